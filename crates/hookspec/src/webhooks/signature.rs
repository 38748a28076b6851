//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): HMAC-SHA256 over
//! `msg_id.timestamp.body`, sent as `v1,<base64>` in `webhook-signature` (several,
//! space-separated, while a secret rotates), with `webhook-id` and `webhook-timestamp`.
//! HMAC and SHA-256 come from the RustCrypto `hmac` and `sha2` crates; comparison is
//! constant-time (`Mac::verify_slice`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::ParseError;

type HmacSha256 = Hmac<Sha256>;

/// The `webhook-id` header: the message id, the same for every retry of one message.
pub const HEADER_ID: &str = "webhook-id";
/// The `webhook-timestamp` header: seconds since the epoch.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The `webhook-signature` header: space-separated `v1,<base64>` signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// A signing secret. `Debug` does not show it.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

/// A secret that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid webhook secret: {0}")]
pub struct SecretError(String);

impl Secret {
    /// A secret as Standard Webhooks writes it: `whsec_` then base64 (the prefix is
    /// optional).
    pub fn from_whsec(text: &str) -> Result<Self, SecretError> {
        let b64 = text.strip_prefix("whsec_").unwrap_or(text);
        let key = STANDARD.decode(b64).map_err(|e| {
            // What is wrong, not where or with which byte: those are part of the secret.
            let what = match e {
                base64::DecodeError::InvalidByte(..) => "a character outside the alphabet",
                base64::DecodeError::InvalidLength(_) => "a length base64 cannot have",
                base64::DecodeError::InvalidLastSymbol { .. } => {
                    "a last character it cannot end with"
                }
                base64::DecodeError::InvalidPadding => "wrong padding",
            };
            SecretError(format!("not base64 after `whsec_`: {what}"))
        })?;
        Self::from_bytes(key)
    }

    /// A secret from its raw bytes.
    pub fn from_bytes(key: impl Into<Vec<u8>>) -> Result<Self, SecretError> {
        let key = key.into();
        if key.is_empty() {
            return Err(SecretError("the secret is empty".into()));
        }
        Ok(Self(key))
    }

    /// The secret as Standard Webhooks writes it (`whsec_…`).
    pub fn to_whsec(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, msg_id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` value of a message: `v1,<base64 of HMAC-SHA256>`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self
            .mac(msg_id, &timestamp.to_string(), body)
            .finalize()
            .into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }
}

fn header<'h>(headers: &'h http::HeaderMap, name: &'static str) -> Result<&'h str, ParseError> {
    let value = headers
        .get(name)
        .ok_or(ParseError::MissingHeader { name })?;
    value.to_str().map_err(|_| ParseError::InvalidHeader {
        name,
        reason: "not visible ASCII".into(),
    })
}

/// Checks a delivery's Standard Webhooks headers against `secrets` (any one may match) at
/// time `now` (seconds since the epoch), accepting timestamps within `tolerance_seconds` of
/// it; returns the message id (`webhook-id`). [`Receiver::parse`](super::Receiver::parse)
/// calls it for APIs that sign; it is public for deliveries checked apart from their parsing.
pub fn verify(
    secrets: &[Secret],
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
    tolerance_seconds: u64,
) -> Result<String, ParseError> {
    let msg_id = header(headers, HEADER_ID)?;
    let ts_text = header(headers, HEADER_TIMESTAMP)?;
    let signatures = header(headers, HEADER_SIGNATURE)?;
    let timestamp: i64 = ts_text
        .trim()
        .parse()
        .map_err(|_| ParseError::InvalidHeader {
            name: HEADER_TIMESTAMP,
            reason: format!("`{ts_text}` is not a number of seconds"),
        })?;
    if timestamp.abs_diff(now) > tolerance_seconds {
        return Err(ParseError::StaleTimestamp {
            timestamp,
            now,
            tolerance_seconds,
        });
    }
    if secrets.is_empty() {
        return Err(ParseError::NoSecret);
    }
    let macs: Vec<HmacSha256> = secrets
        .iter()
        .map(|s| s.mac(msg_id, ts_text, body))
        .collect();
    for candidate in signatures.split(' ') {
        let Some(("v1", b64)) = candidate.split_once(',') else {
            continue; // another version, or not a signature: ignored, as the scheme says
        };
        let Ok(tag) = STANDARD.decode(b64) else {
            continue;
        };
        if macs.iter().any(|m| m.clone().verify_slice(&tag).is_ok()) {
            return Ok(msg_id.to_owned());
        }
    }
    Err(ParseError::SignatureMismatch)
}

/// The three Standard Webhooks headers of a message signed with `secret`.
pub fn signed_headers(
    secret: &Secret,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put(HEADER_ID, msg_id.to_owned());
    put(HEADER_TIMESTAMP, timestamp.to_string());
    put(HEADER_SIGNATURE, secret.sign(msg_id, timestamp, body));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks specification's published test vector: `test_sign_function` in
    // standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py (the same
    // values are in its other libraries' tests).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const PAYLOAD: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(signature: &str, timestamp: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(HEADER_ID, MSG_ID.parse().unwrap());
        h.insert(HEADER_TIMESTAMP, timestamp.parse().unwrap());
        h.insert(HEADER_SIGNATURE, signature.parse().unwrap());
        h
    }

    #[test]
    fn signs_the_published_vector() {
        let secret = Secret::from_whsec(SECRET).unwrap();
        assert_eq!(secret.sign(MSG_ID, TIMESTAMP, PAYLOAD), EXPECTED);
        // The prefix is optional.
        let bare = Secret::from_whsec(SECRET.trim_start_matches("whsec_")).unwrap();
        assert_eq!(bare.sign(MSG_ID, TIMESTAMP, PAYLOAD), EXPECTED);
        assert_eq!(secret.to_whsec(), SECRET);
        assert_eq!(format!("{secret:?}"), "Secret([REDACTED])");
    }

    #[test]
    fn verifies_the_published_vector_within_the_tolerance() {
        let secrets = [Secret::from_whsec(SECRET).unwrap()];
        let h = headers(EXPECTED, "1614265330");
        assert_eq!(
            verify(&secrets, &h, PAYLOAD, TIMESTAMP + 300, 300).unwrap(),
            MSG_ID
        );
        assert_eq!(
            verify(&secrets, &h, PAYLOAD, TIMESTAMP - 300, 300).unwrap(),
            MSG_ID
        );
        assert!(matches!(
            verify(&secrets, &h, PAYLOAD, TIMESTAMP + 301, 300),
            Err(ParseError::StaleTimestamp { .. })
        ));
        assert!(matches!(
            verify(&secrets, &h, PAYLOAD, TIMESTAMP - 301, 300),
            Err(ParseError::StaleTimestamp { .. })
        ));
        // One changed byte of the body.
        assert_eq!(
            verify(&secrets, &h, br#"{"test": 2432232315}"#, TIMESTAMP, 300),
            Err(ParseError::SignatureMismatch)
        );
    }

    #[test]
    fn any_of_several_signatures_and_secrets_may_match() {
        let old = Secret::from_bytes(b"old secret".to_vec()).unwrap();
        let new = Secret::from_whsec(SECRET).unwrap();
        // Standard Webhooks' own multi-signature test shape: wrong v1, another version, the
        // right one.
        let header = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {EXPECTED} v1,not-base64!"
        );
        let h = headers(&header, "1614265330");
        assert!(verify(&[old.clone(), new], &h, PAYLOAD, TIMESTAMP, 300).is_ok());
        assert_eq!(
            verify(&[old], &h, PAYLOAD, TIMESTAMP, 300),
            Err(ParseError::SignatureMismatch)
        );
    }

    #[test]
    fn missing_and_invalid_headers() {
        let secrets = [Secret::from_whsec(SECRET).unwrap()];
        for name in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE] {
            let mut h = headers(EXPECTED, "1614265330");
            h.remove(name);
            assert_eq!(
                verify(&secrets, &h, PAYLOAD, TIMESTAMP, 300),
                Err(ParseError::MissingHeader { name })
            );
        }
        let h = headers(EXPECTED, "yesterday");
        assert!(matches!(
            verify(&secrets, &h, PAYLOAD, TIMESTAMP, 300),
            Err(ParseError::InvalidHeader {
                name: HEADER_TIMESTAMP,
                ..
            })
        ));
        let h = headers(EXPECTED, "1614265330");
        assert_eq!(
            verify(&[], &h, PAYLOAD, TIMESTAMP, 300),
            Err(ParseError::NoSecret)
        );
        assert!(Secret::from_whsec("whsec_%%%").is_err());
        // The message says what is wrong, not which byte where: those belong to the secret.
        let e = Secret::from_whsec("whsec_MfKQ9r8G?YqrTwjUPD8ILPZIo2LaLaSw").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid webhook secret: not base64 after `whsec_`: a character outside the alphabet"
        );
        assert!(Secret::from_whsec("whsec_").is_err());
    }
}
