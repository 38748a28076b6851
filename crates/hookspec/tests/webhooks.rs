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
    // Fields of undocumented shape keep the exact text sent, spacing and key order included.
    let text = |raw: &Option<hookspec::RawJson>| raw.as_ref().map(|r| r.get().to_owned());
    assert_eq!(
        text(&e.data.input).as_deref(),
        Some(r#"{"name": "intro.mp4", "url": "https://uploads.example.com/intro.mp4"}"#)
    );
    assert_eq!(
        text(&e.data.thumbnail).as_deref(),
        Some(r#""https://img.omegastream.net/3f9c2a8e/thumb.jpg""#)
    );
    let playback = e.data.playback.as_ref().unwrap().to_value().unwrap();
    assert_eq!(
        playback["hls"],
        "https://play.omegastream.net/3f9c2a8e/master.m3u8"
    );
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
        assert_eq!(e.data.storage, None);
        assert_eq!(
            e.data.meta.as_ref().unwrap().failure.as_deref(),
            Some("unsupported codec")
        );
    }
    // The envelopes agree (they carry no data: the typed data is `e.data`), and the bytes of
    // each delivery, its data as sent included, are `raw`.
    assert_eq!(a.event.envelope(), b.event.envelope());
    assert_eq!(a.event.envelope().unwrap().id, "evt-1");
    assert!(
        std::str::from_utf8(&b.raw)
            .unwrap()
            .contains(r#"{"video":{"uuid":"v-1""#)
    );
    assert_eq!(a.event, b.event);
}

/// A body with the envelope's keys in this order (`data` and `type` where the slice says).
fn ordered(keys: &[&str], event_type: &str, data: &serde_json::Value) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    for k in keys {
        let v = match *k {
            "id" => serde_json::json!("evt-1"),
            "coid" => serde_json::json!("omega-cop-1"),
            "api_version" => serde_json::json!("v1"),
            "created" => serde_json::json!(1661971592),
            "type" => serde_json::json!(event_type),
            "data" => data.clone(),
            "endpoint_id" => serde_json::json!("ep-1"),
            "response" => serde_json::Value::Null,
            other => panic!("{other}"),
        };
        map.insert((*k).to_owned(), v);
    }
    serde_json::to_vec(&map).unwrap()
}

/// The type before the data takes the single pass; the data before the type, the two passes
/// (the scan for the type stops at the data): both must give the same event, or the same error.
#[test]
fn single_pass_and_two_passes_decode_alike() {
    let type_first = [
        "id",
        "coid",
        "api_version",
        "created",
        "type",
        "data",
        "endpoint_id",
        "response",
    ];
    let data_first = [
        "data",
        "id",
        "coid",
        "api_version",
        "created",
        "type",
        "endpoint_id",
        "response",
    ];
    let full: serde_json::Value =
        serde_json::from_str::<serde_json::Value>(omega::EXAMPLE).unwrap()["data"].clone();
    let cases = [
        ("video.process_succeeded", full.clone()),
        (
            "video.process_failed",
            serde_json::json!({"video": full.clone()}),
        ),
        // Flat, its first key named like the wrapper: not the nested form.
        (
            "video.uploaded",
            serde_json::json!({"video": {"uuid": "inner", "status": "uploaded"}, "uuid": "outer", "status": "in-progress"}),
        ),
        // The wrapper and nothing else, but no video inside: an error either way.
        ("video.deleted", serde_json::json!({"video": {"uuid": "v"}})),
        ("video.deleted", serde_json::json!({"video": 3})),
        ("video.deleted", serde_json::json!({})),
        ("video.deleted", serde_json::json!([])),
        ("video.deleted", serde_json::Value::Null),
        (
            "video.deleted",
            serde_json::json!({"status": "uploaded", "uuid": "v", "size": "12"}),
        ),
        // Unknown type: kept whole.
        (
            "video.teleported",
            serde_json::json!({"video": {"uuid": "v"}}),
        ),
    ];
    for (event_type, data) in &cases {
        let one = omega::parse(&no_headers(), &ordered(&type_first, event_type, data));
        let two = omega::parse(&no_headers(), &ordered(&data_first, event_type, data));
        match (&one, &two) {
            (Ok(a), Ok(b)) => assert_eq!(a.event, b.event, "{event_type} {data}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{event_type} {data}"),
            _ => panic!("{event_type} {data}: {one:?} / {two:?}"),
        }
    }
    let flat_first_key_wrapper = omega::parse(
        &no_headers(),
        &ordered(&type_first, "video.uploaded", &cases[2].1),
    )
    .unwrap();
    let Event::VideoUploaded(e) = &flat_first_key_wrapper.event else {
        panic!()
    };
    assert_eq!(e.data.uuid, "outer");
    // Escaped keys and an escaped type decode too.
    let escaped = String::from_utf8(ordered(&type_first, "video.deleted", &full))
        .unwrap()
        .replace(
            r#""type":"video.deleted""#,
            r#""t\u0079pe":"video.del\u0065ted""#,
        )
        .replace(r#""data":{"uuid""#, r#""d\u0061ta":{"\u0075uid""#);
    let r = omega::parse(&no_headers(), escaped.as_bytes()).unwrap();
    let plain = omega::parse(&no_headers(), &ordered(&type_first, "video.deleted", &full)).unwrap();
    assert!(matches!(r.event, Event::VideoDeleted(_)), "{:?}", r.event);
    assert_eq!(r.event, plain.event);
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

/// `hookspec::webhooks::deliver` over 127.0.0.1, against raw sockets: what a receiver gets
/// (signed or not), and what a sender learns when the receiver misbehaves.
mod deliver {

    use std::time::Duration;

    use hookspec::Delivery;
    use hookspec::omegastream::webhooks;
    use hookspec::webhooks::{
        MAX_ANSWER_BYTES, ParseError, Secret, Signing, deliver, verify_signature,
    };
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// Reads one HTTP/1.1 request (headers and a `content-length` body).
    async fn read_request(sock: &mut TcpStream) -> (String, Vec<u8>) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let n = sock.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the client closed before its request was whole");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let n = sock.read(&mut chunk).await.unwrap();
            assert!(n > 0);
            buf.extend_from_slice(&chunk[..n]);
        }
        (head, buf[head_end..head_end + len].to_vec())
    }

    /// A receiver that answers each request with `answer` (raw bytes) and hands back what it got.
    async fn receiver(answer: Vec<u8>) -> (String, tokio::task::JoinHandle<(String, Vec<u8>)>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let got = read_request(&mut sock).await;
            sock.write_all(&answer).await.unwrap();
            sock.shutdown().await.ok();
            got
        });
        (url, task)
    }

    fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    #[tokio::test]
    async fn a_signed_delivery_is_what_the_receiving_side_verifies() {
        let body = webhooks::EXAMPLE.as_bytes().to_vec();
        let (url, got) =
            receiver(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\nx-seen: 1\r\n\r\nok".to_vec())
                .await;
        let secret = Secret::from_whsec("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let answer = deliver(
            &reqwest::Client::new(),
            &url,
            body.clone(),
            Some(Signing {
                secret: &secret,
                msg_id: "msg_1",
                timestamp: None,
            }),
        )
        .await
        .unwrap();
        assert_eq!(answer.status, 202);
        assert!(answer.accepted() && answer.complete);
        assert_eq!(answer.body_text(), "ok");
        assert_eq!(answer.headers["x-seen"], "1");

        let (head, received) = got.await.unwrap();
        assert!(head.starts_with("POST /hooks HTTP/1.1\r\n"), "{head}");
        assert_eq!(header(&head, "content-type"), Some("application/json"));
        assert_eq!(header(&head, "webhook-id"), Some("msg_1"));
        assert_eq!(received, body, "the body byte for byte");
        // The receiving side's verification accepts it with the same secret, not with another.
        let mut headers = hookspec::http::HeaderMap::new();
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            headers.insert(name, header(&head, name).unwrap().parse().unwrap());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let id = verify_signature(std::slice::from_ref(&secret), &headers, &received, now, 300);
        assert_eq!(id.unwrap(), "msg_1");
        let other = Secret::from_bytes(vec![7u8; 32]).unwrap();
        let err = verify_signature(&[other], &headers, &received, now, 300).unwrap_err();
        assert!(matches!(err, ParseError::SignatureMismatch), "{err:?}");
        // And the receiver parses what arrived.
        webhooks::parse(&headers, &received).unwrap();
    }

    #[tokio::test]
    async fn an_unsigned_delivery_has_no_signature_headers_and_any_status_is_an_answer() {
        let (url, got) = receiver(
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\nnope".to_vec(),
        )
        .await;
        let answer = deliver(&reqwest::Client::new(), &url, "{}", None)
            .await
            .unwrap();
        assert_eq!(answer.status, 500);
        assert!(!answer.accepted());
        assert_eq!(answer.body_text(), "nope");
        let (head, body) = got.await.unwrap();
        assert_eq!(body, b"{}");
        assert_eq!(header(&head, "webhook-signature"), None);
    }

    #[tokio::test]
    async fn a_huge_answer_is_cut_at_the_limit() {
        let mut answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
            4 * MAX_ANSWER_BYTES
        )
        .into_bytes();
        answer.extend(std::iter::repeat_n(b'x', 4 * MAX_ANSWER_BYTES));
        let (url, _got) = receiver(answer).await;
        let answer = deliver(&reqwest::Client::new(), &url, "{}", None)
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body.len(), MAX_ANSWER_BYTES);
        assert!(!answer.complete);
    }

    #[tokio::test]
    async fn no_connection_is_not_sent_and_a_dropped_one_may_have_been() {
        // Nobody listens: certainly not delivered.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = deliver(
            &reqwest::Client::new(),
            &format!("http://127.0.0.1:{port}/"),
            "{}",
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.delivery, Delivery::NotSent);
        assert!(err.to_string().contains("could not connect"), "{err}");

        // The receiver reads the whole delivery and hangs up without an answer: it may have acted.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let got = read_request(&mut sock).await;
            drop(sock);
            got
        });
        let err = deliver(&reqwest::Client::new(), &url, "{\"a\":1}", None)
            .await
            .unwrap_err();
        assert_eq!(err.delivery, Delivery::MaybeSent);
        assert_eq!(task.await.unwrap().1, b"{\"a\":1}", "it did arrive");

        // No answer in time: may have been delivered too.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let _task = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let _ = read_request(&mut sock).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let err = deliver(&http, &url, "{}", None).await.unwrap_err();
        assert_eq!(err.delivery, Delivery::MaybeSent);
        assert!(err.to_string().contains("no answer in time"), "{err}");
    }

    /// With a client that follows no redirects (as hookspec's tools use), a receiver's 307 is
    /// its answer: delivered once, not accepted, nothing sent on to the `Location`. An error
    /// names the URL once (reqwest's own message would repeat it).
    #[tokio::test]
    async fn a_redirect_is_an_answer_and_an_error_names_the_url_once() {
        let (url, got) = receiver(
            b"HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:9/gone\r\ncontent-length: 0\r\n\r\n"
                .to_vec(),
        )
        .await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let answer = deliver(&http, &url, "{}", None).await.unwrap();
        assert_eq!(answer.status, 307);
        assert!(!answer.accepted());
        assert_eq!(got.await.unwrap().1, b"{}");

        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = format!("http://127.0.0.1:{port}/hooks?token=secret");
        let err = deliver(&http, &url, "{}", None).await.unwrap_err();
        let report = format!("{err} {}", std::error::Error::source(&err).unwrap());
        assert_eq!(report.matches("token=secret").count(), 1, "{report}");
    }
}
