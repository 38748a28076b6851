//! Receiving: the generated `webhooks` modules parse what the specs document, keep unknown
//! types, and refuse bad input with a typed error.

use hookspec::http::HeaderMap;
use hookspec::omegastream::VideoStatus;
use hookspec::omegastream::webhooks::{self as omega, Event};
use hookspec::webhooks::{Dedup as _, Events, InMemoryDedup, ParseError};

fn no_headers() -> HeaderMap {
    HeaderMap::new()
}

fn event_json(event_type: &str, data: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": "evt-1",
        "coid": "omega-cop-1",
        "api_version": "v1",
        "created": 1661971592,
        "type": event_type,
        "data": data,
        "endpoint_id": "ep-1",
        "response": null,
    }))
    .unwrap()
}

#[test]
fn the_documented_example_parses_flat() {
    let r = omega::parse(&no_headers(), omega::EXAMPLE.as_bytes()).unwrap();
    let Event::VideoProcessSucceeded(e) = &r.event else {
        panic!("{:?}", r.event)
    };
    assert_eq!(e.data.status, VideoStatus::ProcessCompleted);
    assert_eq!(e.data.size, Some(48211968));
    assert_eq!(e.envelope.ocid, "omega-cop-OyJrgi5-fx");
    assert_eq!(r.key, "630fac88bd5bb64cf8b24b99");
    assert_eq!(r.event.event_type(), "video.process_succeeded");
    assert!(!r.verified, "OmegaStream does not sign");
    assert_eq!(&r.raw[..], omega::EXAMPLE.as_bytes());
}

#[test]
fn flat_and_nested_video_payloads_decode_alike() {
    let video = serde_json::json!({
        "uuid": "v-1", "status": "process-failed", "meta": {"failure": "unsupported codec"}
    });
    let flat = event_json("video.process_failed", video.clone());
    let nested = event_json("video.process_failed", serde_json::json!({"video": video}));
    let a = omega::parse(&no_headers(), &flat).unwrap();
    let b = omega::parse(&no_headers(), &nested).unwrap();
    for r in [&a, &b] {
        let Event::VideoProcessFailed(e) = &r.event else {
            panic!("{:?}", r.event)
        };
        assert_eq!(e.data.uuid, "v-1");
        assert_eq!(e.data.status, VideoStatus::ProcessFailed);
        assert_eq!(
            e.data.meta.as_ref().unwrap().failure.as_deref(),
            Some("unsupported codec")
        );
    }
    // The raw data is kept as sent, in each form.
    assert!(
        b.event
            .envelope()
            .data
            .as_ref()
            .unwrap()
            .get()
            .contains("\"video\"")
    );
}

#[test]
fn every_status_decodes_and_an_unknown_one_is_kept() {
    for status in [
        "uploaded",
        "in-progress",
        "process-failed",
        "process-completed",
        "ready-to-upload",
        "archived",
    ] {
        let body = event_json(
            "video.uploaded",
            serde_json::json!({"uuid": "v", "status": status}),
        );
        let r = omega::parse(&no_headers(), &body).unwrap();
        let Event::VideoUploaded(e) = &r.event else {
            panic!()
        };
        assert_eq!(e.data.status.as_str(), status);
    }
}

#[test]
fn unknown_event_types_are_kept_with_their_raw_data() {
    let body = event_json("video.teleported", serde_json::json!({"anything": [1, 2]}));
    let r = omega::parse(&no_headers(), &body).unwrap();
    let Event::Unknown(envelope) = &r.event else {
        panic!("{:?}", r.event)
    };
    assert_eq!(r.event.event_type(), "video.teleported");
    assert!(!r.event.is_known());
    assert_eq!(
        envelope.data.as_ref().unwrap().get(),
        r#"{"anything":[1,2]}"#
    );
    assert_eq!(r.event.event_id(), Some("evt-1"));
}

#[test]
fn bad_input_is_a_typed_error() {
    let h = no_headers();
    assert!(matches!(
        omega::parse(&h, b"not json"),
        Err(ParseError::NotJson { line: 1, .. })
    ));
    // A type mismatch before a syntax error is still "not JSON".
    assert!(matches!(
        omega::parse(&h, br#"{"id": 5, "#),
        Err(ParseError::NotJson { .. })
    ));
    let err = omega::parse(&h, br#"{"id": 5}"#).unwrap_err();
    assert!(
        matches!(&err, ParseError::Shape { path, .. } if path == "id"),
        "{err:?}"
    );
    let bad_status = event_json(
        "video.deleted",
        serde_json::json!({"video": {"uuid": "v", "status": 7}}),
    );
    let err = omega::parse(&h, &bad_status).unwrap_err();
    assert!(
        matches!(&err, ParseError::Shape { path, .. } if path == "data.video.status"),
        "{err:?}"
    );
    assert_eq!(err.status(), 400);
    let flat_missing = event_json("video.deleted", serde_json::json!({"uuid": "v"}));
    let err = omega::parse(&h, &flat_missing).unwrap_err();
    assert!(
        matches!(&err, ParseError::Shape { path, message } if path == "data" && message.contains("status")),
        "{err:?}"
    );
    let huge = vec![b' '; Event::MAX_BODY_BYTES + 1];
    let err = omega::parse(&h, &huge).unwrap_err();
    assert!(matches!(err, ParseError::TooLarge { .. }));
    assert_eq!(err.status(), 413);
    assert_eq!(err.to_json()["error"], "too_large");
    let small = omega::Receiver::new().max_body_bytes(10);
    assert!(matches!(
        small.parse(&h, omega::EXAMPLE.as_bytes()),
        Err(ParseError::TooLarge { limit: 10, .. })
    ));
}

#[test]
fn fivecents_completion_payloads_keep_their_objects_as_json() {
    use hookspec::fivecents::webhooks as five;
    let body = five::EXAMPLE.as_bytes();
    let r = five::parse(&no_headers(), body).unwrap();
    let five::Event::JobCompleted(objects) = &r.event else {
        panic!("{:?}", r.event)
    };
    assert_eq!(objects[0]["outfile"], "hls/intro/index.m3u8");
    assert_eq!(r.event.event_type(), "job_completed");
    assert!(
        r.key.starts_with("sha256:"),
        "no id: the content is the key"
    );
    // Resent: the same content, the same key.
    let again = five::parse(&no_headers(), body).unwrap();
    let dedup = InMemoryDedup::default();
    assert!(!dedup.is_duplicate(&r.key));
    assert!(again.is_duplicate(&dedup));
    // What the documents show is an array of objects: anything else is refused.
    let err = five::parse(&no_headers(), br#"[1]"#).unwrap_err();
    assert!(
        matches!(&err, ParseError::Shape { path, .. } if path == "[0]"),
        "{err:?}"
    );
    assert!(five::parse(&no_headers(), br#"{"a": 1}"#).is_err());
}

#[test]
fn a_bytes_body_is_kept_without_a_copy() {
    let body = hookspec::bytes::Bytes::from_static(omega::EXAMPLE.as_bytes());
    let by_bytes = omega::parse_bytes(&no_headers(), body.clone()).unwrap();
    assert_eq!(by_bytes.raw.as_ptr(), body.as_ptr(), "shared, not copied");
    let by_slice = omega::parse(&no_headers(), &body).unwrap();
    assert_ne!(by_slice.raw.as_ptr(), body.as_ptr(), "parse(&[u8]) copies");
    assert_eq!(by_bytes, by_slice);
}
