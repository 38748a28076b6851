//! The webhooks an API sends (`webhooks.toml`): the envelope, the event types and the payload
//! of each, and how deliveries are signed.

use std::sync::Arc;

use crate::model::{Pos, TypeRef};

/// Default limit on a delivery's body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;

/// Default tolerance of a signature's timestamp, in seconds (Standard Webhooks: 5 minutes).
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;

/// What an API POSTs to the webhook URLs its users configure.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhooks {
    /// Markdown documentation (rustdoc of the generated `webhooks` module).
    pub doc: String,
    /// The type of a delivery's whole body: a model for tagged envelopes, anything otherwise.
    pub envelope: TypeRef,
    /// How the event type is read from the envelope; `None`: every delivery is the one event
    /// of [`Webhooks::events`].
    pub tag: Option<WebhookTag>,
    /// The envelope field holding the event's id (de-duplication key), if any.
    pub id_field: Option<String>,
    /// The event types, in the tag enum's order (or the one event of an untagged API).
    pub events: Vec<WebhookEventDef>,
    /// A delivery's body, as the provider sends it (checked against the envelope type).
    pub example: Option<String>,
    /// How deliveries are signed; `None`: the provider does not sign.
    pub signature: Option<SignatureScheme>,
    /// Largest body accepted.
    pub max_body_bytes: u64,
    /// The file's display path.
    pub file: Arc<str>,
    /// Where the file starts.
    pub pos: Pos,
}

impl Webhooks {
    /// Looks an event up by its type (the tag value, or the untagged event's name).
    pub fn event(&self, name: &str) -> Option<&WebhookEventDef> {
        self.events.iter().find(|e| e.name == name)
    }

    /// The example body of a delivery of `event`: the event's own example, or else the
    /// file's example with the tag field set to the event's type. `None` when neither exists.
    pub fn example_for(&self, event: &WebhookEventDef) -> Option<serde_json::Value> {
        if let Some(ex) = &event.example {
            return serde_json::from_str(ex).ok();
        }
        let mut v: serde_json::Value = serde_json::from_str(self.example.as_deref()?).ok()?;
        if let (Some(tag), Some(obj)) = (&self.tag, v.as_object_mut()) {
            obj.insert(
                tag.field.clone(),
                serde_json::Value::String(event.name.clone()),
            );
        }
        Some(v)
    }
}

/// The envelope fields that say which event a delivery is and carry its data.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookTag {
    /// The envelope field holding the event type (wire name), typed with [`WebhookTag::enum_name`].
    pub field: String,
    /// Rust name of that field.
    pub field_rust_name: String,
    /// The enum of event types.
    pub enum_name: String,
    /// The envelope field holding the event's data (wire name; a `raw_json` field).
    pub data_field: String,
    /// Rust name of that field.
    pub data_rust_name: String,
    /// Whether the data field may be null.
    pub data_nullable: bool,
    /// A key under which the data may arrive nested (`{"video": {…}}`); both forms decode.
    pub data_wrapper: Option<String>,
}

/// One event type.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEventDef {
    /// The type as sent (`video.process_failed`), or the untagged event's snake_case name.
    pub name: String,
    /// Rust variant name.
    pub rust_name: String,
    /// Documentation.
    pub doc: String,
    /// The type of the event's data (the whole body when untagged).
    pub data: TypeRef,
    /// A delivery of this event, as sent.
    pub example: Option<String>,
    /// Where the event is declared (the enum value, or its `[events.*]` table).
    pub pos: Pos,
}

/// A signature scheme a provider signs deliveries with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256
    /// of `id.timestamp.body`), timestamps accepted within `tolerance_seconds` of now.
    StandardWebhooks {
        /// Largest accepted distance between the timestamp and now, in seconds.
        tolerance_seconds: u64,
    },
}
