use hookspec::fivecents::{JobSelector, ResendNotificationRequest};

async fn run(client: hookspec::omegastream::Client) {
    // Zone ids are integers.
    let _ = ResendNotificationRequest { zoneid: "1234", job: JobSelector::Index(0) };
    // Webhook endpoint ids are strings.
    let _ = client.list_webhook_events(42).await;
}

fn main() {
    let _ = run;
}
