//! `hookspec demo`: the main job against the embedded emulator, with the typed clients.
//!
//! Lists the events of the seed's webhook endpoint, shows one in full, resends an encode job's
//! completion notification and shows the webhook call log. The webhook URL is a receiver on
//! 127.0.0.1 started here, so the resend makes real HTTP calls and nothing leaves the machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hookspec::fivecents::{self, JobSelector, ResendNotificationRequest};
use hookspec::omegastream;

use crate::{Failure, out, print_value};

/// The webhook endpoint of the OmegaStream seed document.
const SEED_ENDPOINT: &str = "6336cd2b5790c27875f70d96";

fn other<E: std::fmt::Display>(e: E) -> Failure {
    Failure::Other(e.to_string())
}

/// Starts a webhook receiver on 127.0.0.1 that counts the POSTs it gets.
pub(crate) async fn receiver() -> Result<(String, Arc<AtomicUsize>), Failure> {
    let count = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().fallback({
        let count = count.clone();
        move || {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::SeqCst);
                "webhook received"
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(other)?;
    let url = format!(
        "http://{}/webhooks/encode",
        listener.local_addr().map_err(other)?
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, count))
}

fn section(title: &str) -> Result<(), Failure> {
    out::line(&format!("\n== {title}"))
}

pub(crate) async fn run(json: bool) -> Result<(), Failure> {
    let (hook, received) = receiver().await?;
    let emu = hookspec_mock::Emulator::builder()
        .webhook_urls(vec![hook.clone()])
        .start()
        .await
        .map_err(other)?;
    out::note(&format!(
        "hookspec: demo against the embedded emulator at http://{} (no key, no network); webhook receiver at {hook}",
        emu.addr()
    ));
    let omega = omegastream::Client::builder()
        .base_url(emu.base_url("omegastream"))
        .credentials(emu.key("omegastream"))
        .build()
        .map_err(other)?;
    let five = fivecents::Client::builder()
        .base_url(emu.base_url("fivecents"))
        .credentials(emu.key("fivecents"))
        .build()
        .map_err(other)?;

    section(&format!("omegastream list-webhook-events {SEED_ENDPOINT}"))?;
    let events = omega
        .list_webhook_events(SEED_ENDPOINT)
        .await
        .map_err(Failure::from_typed)?;
    print_value(&serde_json::to_value(&events).map_err(other)?, json)?;

    let first = events
        .first()
        .ok_or_else(|| Failure::Other("the seed has no events".into()))?;
    section(&format!(
        "omegastream get-webhook-event {SEED_ENDPOINT} {}",
        first.id
    ))?;
    let event = omega
        .get_webhook_event(SEED_ENDPOINT, &first.id)
        .await
        .map_err(Failure::from_typed)?;
    print_value(&serde_json::to_value(&event).map_err(other)?, json)?;

    section("fivecents resend-notification --zoneid 1234 --index 0")?;
    let log = five
        .resend_notification(&ResendNotificationRequest {
            zoneid: 1234,
            job: JobSelector::Index(0),
        })
        .await
        .map_err(Failure::from_typed)?;
    print_value(&serde_json::to_value(&log).map_err(other)?, json)?;
    out::line(&format!(
        "\nThe webhook receiver got {} POST(s).",
        received.load(Ordering::SeqCst)
    ))?;
    Ok(())
}

impl Failure {
    pub(crate) fn from_typed<B: std::fmt::Debug + 'static>(e: hookspec::Error<B>) -> Self {
        match e {
            hookspec::Error::Api(a) => Failure::Api(out::with_causes(&*a)),
            hookspec::Error::Transport(t) => Failure::Transport(out::with_causes(&*t)),
            other => Failure::Other(out::with_causes(&other)),
        }
    }
}
