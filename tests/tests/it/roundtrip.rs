//! Every generated model survives encode → decode unchanged (proptest).

use hookspec::fivecents::{
    ApiErrorBody, BilledTotals, EncodeJobLog, EncodeJobLogs, EncodeJobMeta, ErrorDetail,
    GeneralError, GeneralErrorItem, JobSelector, ResendError, ResendNotificationRequest,
    WebhookCall,
};
use hookspec::omegastream::{self, EventType, WebhookEndpoint, WebhookEvent, WebhookResponse};
use hookspec::reqwest::StatusCode;
use hookspec::runtime::{decode, decode_list};
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

/// Floats whose JSON text parses back to the same bits (serde_json's default parser is not
/// exact for every 17-digit float); `lenient` floats are what is exercised, not ryu.
fn float() -> impl Strategy<Value = f64> {
    (any::<i32>(), 0..4u32).prop_map(|(m, e)| f64::from(m) / f64::from(1u32 << e))
}

/// A `lenient` string field: any text, spaces included, survives the round trip (the decoder
/// trims only to read a number).
fn lenient_string() -> impl Strategy<Value = Option<String>> {
    any::<Option<String>>()
}

prop_compose! {
    fn encode_job_meta()(zoneid in lenient_string(), profileid in lenient_string(),
                         infile in any::<Option<String>>(), outfile in any::<Option<String>>(),
                         outdir in any::<Option<String>>(), relativepath in any::<Option<String>>(),
                         time in prop::option::of(prop::collection::btree_map(any::<String>(), json(), 0..3))) -> EncodeJobMeta {
        EncodeJobMeta { zoneid, profileid, infile, outfile, outdir, relativepath, time }
    }
}

prop_compose! {
    fn encode_job_log()(index in any::<i64>(), serviceid in any::<Option<i64>>(), zoneid in any::<i64>(),
                        hash in any::<Option<String>>(), meta in prop::option::of(encode_job_meta())) -> EncodeJobLog {
        EncodeJobLog { index, serviceid, zoneid, hash, meta }
    }
}

prop_compose! {
    fn billed_totals()(jobs in any::<Option<i64>>(), secs in prop::option::of(float()), mins in prop::option::of(float()),
                       source_mins in prop::option::of(float()), completed in any::<Option<i64>>(),
                       active in any::<Option<i64>>()) -> BilledTotals {
        BilledTotals { jobs, secs, mins, source_mins, completed, active }
    }
}

prop_compose! {
    fn encode_job_logs()(zones_in_range in json(), logs_in_range in prop::collection::vec(encode_job_log(), 0..3),
                         billed in prop::option::of(billed_totals())) -> EncodeJobLogs {
        EncodeJobLogs { zones_in_range, logs_in_range, billed }
    }
}

prop_compose! {
    fn webhook_endpoint()(id in any::<String>(), created_at in prop::option::of(timestamp()),
                          updated_at in prop::option::of(timestamp()), coid in any::<String>(),
                          url in any::<String>(), description in any::<Option<String>>(),
                          events in prop::collection::vec(event_type(), 0..4), active in any::<bool>()) -> WebhookEndpoint {
        WebhookEndpoint { id, created_at, updated_at, coid, url, description, events, active }
    }
}

fn civil() -> impl Strategy<Value = hookspec::CivilDateTime> {
    (1i16..9999, 1i8..=12, 1i8..=28, 0i8..24, 0i8..60, 0i8..60).prop_map(|(y, mo, d, h, mi, s)| {
        hookspec::CivilDateTime::new(y, mo, d, h, mi, s, 0).unwrap()
    })
}

prop_compose! {
    fn active_job()(id in any::<i64>(), jobid in any::<String>(), profileid in lenient_string(),
                    infile in any::<Option<String>>(), percent in prop::option::of(float()),
                    error in any::<Option<String>>(), created_at in prop::option::of(civil()),
                    timings in prop::option::of(prop::collection::btree_map(any::<String>(), any::<i64>().prop_map(hookspec::UnixMillis), 0..3)),
                    profile in prop::option::of(json())) -> hookspec::fivecents::ActiveJob {
        hookspec::fivecents::ActiveJob {
            id, jobid, profileid, infile, outfile: None, percent, log: None, error,
            created_at, updated_at: created_at, timings, profile: profile.filter(|p| !p.is_null()),
        }
    }
}

proptest! {
    #[test]
    fn fivecents_active_jobs(jobs in prop::collection::vec(active_job(), 0..3)) {
        roundtrip(&jobs)?;
        let text = serde_json::to_vec(&jobs).unwrap();
        let back = decode_list::<hookspec::fivecents::ActiveJob>("t", StatusCode::OK, text.into())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &jobs);
    }

    #[test]
    fn omegastream_message(message in any::<String>()) {
        roundtrip(&omegastream::Message { message })?;
    }

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
    fn fivecents_encode_job_logs(logs in encode_job_logs()) {
        roundtrip(&logs)?;
        // Through the decoder the client uses for this endpoint too.
        let text = serde_json::to_vec(&logs).unwrap();
        let back = decode::<EncodeJobLogs>("t", StatusCode::OK, text.into())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &logs);
        for log in &logs.logs_in_range {
            roundtrip(log)?;
        }
    }

    #[test]
    fn omegastream_webhook_endpoints(endpoints in prop::collection::vec(webhook_endpoint(), 0..3)) {
        roundtrip(&endpoints)?;
        let text = serde_json::to_vec(&endpoints).unwrap();
        let back = decode_list::<WebhookEndpoint>("t", StatusCode::OK, text.into())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &endpoints);
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
fn the_zero_time_decodes_as_none_and_none_is_left_out() {
    let zero = r#"{"id":"e","created_at":"0001-01-01T00:00:00Z","ocid":"c","api_version":"v1","created":1,"type":"video.uploaded","data":null,"endpoint_id":"w","response":null}"#;
    let event: WebhookEvent = serde_json::from_str(zero).unwrap();
    assert_eq!(event.created_at, None);
    // `None` is encoded as an absent field (generated fields skip `None`), which decodes as
    // `None` again.
    let encoded = serde_json::to_value(&event).unwrap();
    assert!(encoded.get("created_at").is_none(), "{encoded}");
    let back: WebhookEvent = serde_json::from_value(encoded).unwrap();
    assert_eq!(back, event);
}
