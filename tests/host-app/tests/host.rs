//! With hookspec in the dependency graph, an application's own reqwest clients build and
//! behave as before: no panic for a missing rustls provider (Cargo unifies reqwest's
//! features), no process-wide provider installed behind the application's back, and its
//! redirect policy is its own (hookspec's clients follow no redirects; the application's
//! still do by default).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A raw HTTP/1.1 server on 127.0.0.1: `/old` redirects to `/new`, everything else is `[]`.
async fn server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut read = 0;
                while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..read]);
                let reply = if head.starts_with("GET /old ") {
                    "HTTP/1.1 302 Found\r\nlocation: /new\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .to_owned()
                } else {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]"
                        .to_owned()
                };
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "current_thread")]
async fn the_applications_own_client_is_unchanged_by_hookspec() {
    let addr = server().await;

    // hookspec's client first, so that anything it might set up globally is set up.
    let omega = hookspec::omegastream::Client::builder()
        .base_url(format!("http://{addr}/company"))
        .credentials("token")
        .build()
        .unwrap();
    let events = omega.list_webhook_events("abc").await.unwrap();
    assert!(events.is_empty());

    // hookspec installed no process-wide rustls provider.
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());

    // The application's TLS-free client builds (it panicked when hookspec enabled reqwest's
    // `rustls-no-provider`) and works, following redirects as reqwest does by default.
    let app = hookspec_host_app::app_client();
    let resp = app.get(format!("http://{addr}/old")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.url().path(), "/new");
    assert_eq!(resp.text().await.unwrap(), "[]");

    // Still nothing installed globally.
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
}
