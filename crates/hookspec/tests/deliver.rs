//! `hookspec::webhooks::deliver` over 127.0.0.1, against raw sockets: what a receiver gets
//! (signed or not), and what a sender learns when the receiver misbehaves.

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
    let (url, got) =
        receiver(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\nnope".to_vec())
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
