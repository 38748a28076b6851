//! Every generated model survives encode → decode unchanged (proptest).

use hookspec::fivecents::{
    ApiErrorBody, ErrorDetail, GeneralError, GeneralErrorItem, JobSelector, ResendError,
    ResendNotificationRequest, WebhookCall,
};
use hookspec::omegastream::{self, EventType, WebhookEvent, WebhookResponse};
use hookspec::{RawJson, Timestamp, UnixSeconds};
use proptest::prelude::*;
use serde_json::Value;

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    // Whole seconds within jiff's range, never the zero time (which means "none" on the wire).
    (-377_705_116_800i64..253_402_207_200)
        .prop_filter("the zero time encodes None", |s| *s != -62_135_596_800)
        .prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn event_type() -> impl Strategy<Value = EventType> {
    prop_oneof![
        prop::sample::select(EventType::KNOWN.to_vec()),
        any::<String>().prop_map(EventType::from),
    ]
}

fn roundtrip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(value).unwrap();
    let back: T =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

prop_compose! {
    fn webhook_call()(time in any::<i64>(), hook in any::<String>(), body in prop::collection::vec(json(), 0..3),
                      resp_code in any::<Option<i64>>(), resp_body in any::<Option<String>>(),
                      error in any::<Option<String>>()) -> WebhookCall {
        WebhookCall { time: UnixSeconds(time), hook, body, resp_code, resp_body, error }
    }
}

prop_compose! {
    fn resend_request()(zoneid in any::<i64>(), which in 0..3u8, n in any::<i64>(), s in any::<String>()) -> ResendNotificationRequest {
        let job = match which {
            0 => JobSelector::Index(n),
            1 => JobSelector::Infile(s),
            _ => JobSelector::Outfile(s),
        };
        ResendNotificationRequest { zoneid, job }
    }
}

prop_compose! {
    fn webhook_response()(status_code in any::<i64>(), status in any::<String>(), body in any::<String>(), message in any::<String>()) -> WebhookResponse {
        WebhookResponse { status_code, status, body, message }
    }
}

prop_compose! {
    /// Raw JSON in compact and in pretty form: the exact text must survive the round trip.
    fn raw_json()(v in json().prop_filter("null is None", |v| !v.is_null()), pretty in any::<bool>()) -> RawJson {
        if pretty {
            RawJson::from_string(serde_json::to_string_pretty(&v).expect("json")).expect("valid")
        } else {
            RawJson::from_value(&v).expect("json")
        }
    }
}

prop_compose! {
    fn webhook_event()(id in any::<String>(), created_at in prop::option::of(timestamp()), ocid in any::<String>(),
                       api_version in any::<String>(), created in any::<i64>(), event_type in event_type(),
                       data in prop::option::of(raw_json()),
                       endpoint_id in any::<String>(), response in prop::option::of(webhook_response().prop_map(Box::new))) -> WebhookEvent {
        WebhookEvent { id, created_at, ocid, api_version, created: UnixSeconds(created), event_type, data, endpoint_id, response }
    }
}

prop_compose! {
    fn resend_error()(error in any::<String>(), message in any::<String>(), code in any::<i64>(),
                      details in prop::option::of(prop::collection::vec((any::<String>(), any::<String>())
                          .prop_map(|(field, message)| ErrorDetail { field, message }), 0..3))) -> ResendError {
        ResendError { error, message, code, details }
    }
}

prop_compose! {
    fn general_error()(status in any::<String>(), errors in prop::collection::vec((any::<i64>(), any::<String>())
                          .prop_map(|(code, message)| GeneralErrorItem { code, message }), 0..3)) -> GeneralError {
        GeneralError { status, errors }
    }
}

proptest! {
    #[test]
    fn fivecents_models(call in webhook_call(), req in resend_request(), re in resend_error(), ge in general_error()) {
        roundtrip(&call)?;
        roundtrip(&req)?;
        roundtrip(&req.job)?;
        roundtrip(&re)?;
        roundtrip(&ge)?;
        roundtrip(&ApiErrorBody::ResendError(re))?;
        roundtrip(&ApiErrorBody::GeneralError(ge))?;
    }

    #[test]
    fn omegastream_models(event in webhook_event(), t in event_type(), message in any::<String>(), code in any::<Option<i64>>()) {
        roundtrip(&event)?;
        roundtrip(&t)?;
        prop_assert_eq!(EventType::from(t.as_str()), t.clone());
        roundtrip(&omegastream::ErrorBody { message: message.clone(), code })?;
        roundtrip(&omegastream::ApiErrorBody::ErrorBody(omegastream::ErrorBody { message, code }))?;
    }
}

#[test]
fn the_zero_time_is_none_both_ways() {
    let zero = r#"{"id":"e","created_at":"0001-01-01T00:00:00Z","ocid":"c","api_version":"v1","created":1,"type":"video.uploaded","data":null,"endpoint_id":"w","response":null}"#;
    let event: WebhookEvent = serde_json::from_str(zero).unwrap();
    assert_eq!(event.created_at, None);
    assert_eq!(
        serde_json::to_value(&event).unwrap()["created_at"],
        "0001-01-01T00:00:00Z"
    );
}
