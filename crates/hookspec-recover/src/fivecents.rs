//! 5centscdn: resend the completion notifications of a window's encode jobs, once each.
//!
//! [`plan`] lists the window's job logs with `list_encode_jobs_in_range`, one request per
//! window of at most 31 days (the API's limit), keeps the completed jobs of the zone (and
//! profile), drops the duplicates a window boundary produces and orders them by completion
//! time. [`execute`] resends each selected job with `resend_notification` (never retried by
//! the client once it may have been delivered), at most `concurrency` at once, all through
//! one client, so through its one rate limiter (5 requests/second from the spec).

use std::collections::{BTreeMap, BTreeSet};

use hookspec::fivecents::{
    Client, EncodeJobLog, JobSelector, LogGrouping, ResendNotificationRequest,
};
use hookspec::{RawJson, TimeRange};
use jiff::{Span, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::{
    HookCall, Journal, Options, Outcome, Plan, PlanError, PlanItem, PlanKind, Progress,
    RecoverError, Report, Status, StopFlag, check_window, run_plan,
};

/// The longest range the date-range endpoint accepts.
pub const MAX_WINDOW_DAYS: i64 = 31;

/// How long before the window [`plan`] starts listing: the date-range endpoint selects jobs by
/// when they *started* (the spec's reading of it), and a job whose notification was missed is
/// one that *completed* in the window — possibly having started before it. A job that ran
/// longer than this before the window is not found.
pub const LOOKBACK_HOURS: i64 = 24;

/// What to recover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverParams {
    /// The zone.
    pub zone: i64,
    /// Start of the window (jobs completed at or after it).
    pub since: Timestamp,
    /// End of the window (jobs completed at or before it).
    pub until: Timestamp,
    /// Only the jobs of this encoding profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The API the plan is made against and sent to, as the caller names it (the CLI: the base
    /// URL, or `embedded emulator`). Recorded in the journal with the rest of the params, so a
    /// resume against another API — another base URL, or the emulator instead of the real API —
    /// is refused as another plan instead of sending this plan's items there. `None`: the
    /// planning client's base URL, without credentials (what [`plan`] records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl RecoverParams {
    /// The plan params recorded in the journal.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// What a plan item of a job holds (its `detail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDetail {
    /// Zone.
    pub zoneid: i64,
    /// Job index in the zone (what resend takes).
    pub index: i64,
    /// Input file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infile: Option<String>,
    /// Output file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outfile: Option<String>,
    /// Encoding profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profileid: Option<String>,
    /// When the job completed.
    pub completed: Timestamp,
}

/// The windows of at most [`MAX_WINDOW_DAYS`] days that cover `since..=until`, at minute
/// precision (the API's): the first starts at `since` rounded down to the minute, the last
/// ends at `until` rounded up. Consecutive windows share their boundary minute.
pub fn windows(since: Timestamp, until: Timestamp) -> Vec<TimeRange> {
    let floor =
        |t: Timestamp| Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t);
    let start = floor(since);
    let end = {
        let f = floor(until);
        if f < until {
            f + Span::new().minutes(1)
        } else {
            f
        }
    };
    let step = (MAX_WINDOW_DAYS * 86_400).seconds();
    let mut out = Vec::new();
    let mut a = start;
    loop {
        let b = a.checked_add(step).map_or(end, |b| b.min(end));
        out.push(TimeRange::new(a, b));
        if b >= end {
            return out;
        }
        a = b;
    }
}

fn completed_at(log: &EncodeJobLog) -> Option<Timestamp> {
    let end = log.meta.as_ref()?.time.as_ref()?.get("end")?;
    let ms = match end {
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok()?,
        serde_json::Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    Timestamp::from_millisecond(ms).ok()
}

fn zone_ids(v: &serde_json::Value) -> Vec<i64> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|z| z.as_i64().or_else(|| z.as_str()?.trim().parse().ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// Finds the completed jobs of the window: one plan item per job (`<zone>/<index>`), ordered
/// by completion time. A job counts as completed when its log has `meta.time.end`; it is in
/// the window when that instant is. The logs are listed from [`LOOKBACK_HOURS`] before the
/// window, so that a job that started before it and completed in it is found.
pub async fn plan(client: &Client, params: &RecoverParams) -> Result<Plan, PlanError> {
    check_window(params.since, params.until)?;
    let mut jobs: BTreeMap<(i64, i64), JobDetail> = BTreeMap::new();
    let mut zones = BTreeSet::new();
    let listed_from = params
        .since
        .checked_sub(LOOKBACK_HOURS.hours())
        .unwrap_or(params.since);
    for range in windows(listed_from, params.until) {
        let logs = client
            .list_encode_jobs_in_range(range, LogGrouping::Zone)
            .await
            .map_err(PlanError::Fivecents)?;
        zones.extend(zone_ids(&logs.zones_in_range));
        for log in logs.logs_in_range {
            zones.insert(log.zoneid);
            if log.zoneid != params.zone {
                continue;
            }
            let meta = log.meta.as_ref();
            let profileid = meta.and_then(|m| m.profileid.clone());
            if params.profile.is_some() && profileid != params.profile {
                continue;
            }
            let Some(completed) = completed_at(&log) else {
                continue;
            };
            if completed < params.since || completed > params.until {
                continue;
            }
            jobs.entry((log.zoneid, log.index)).or_insert(JobDetail {
                zoneid: log.zoneid,
                index: log.index,
                infile: meta.and_then(|m| m.infile.clone()),
                outfile: meta.and_then(|m| m.outfile.clone()),
                profileid,
                completed,
            });
        }
    }
    if jobs.is_empty() && !zones.contains(&params.zone) {
        return Err(PlanError::UnknownZone {
            zone: params.zone,
            known: zones.into_iter().collect(),
        });
    }
    let mut jobs: Vec<JobDetail> = jobs.into_values().collect();
    jobs.sort_by_key(|j| (j.completed, j.index));
    let recorded = RecoverParams {
        target: Some(crate::target_of(params.target.as_deref(), client.core())),
        ..params.clone()
    };
    Ok(Plan {
        kind: PlanKind::FivecentsRecover,
        params: recorded.to_json(),
        items: jobs
            .into_iter()
            .map(|j| PlanItem {
                key: format!("{}/{}", j.zoneid, j.index),
                detail: RawJson::from_value(&j).unwrap_or_else(|_| empty_object()),
            })
            .collect(),
    })
}

/// The params of a 5centscdn plan (as recorded in its journal).
pub fn params_of(plan: &Plan) -> Option<RecoverParams> {
    (plan.kind == PlanKind::FivecentsRecover)
        .then(|| serde_json::from_value(plan.params.clone()).ok())
        .flatten()
}

/// Resends one job and turns the answer into an outcome.
pub async fn resend_one(client: &Client, zoneid: i64, index: i64) -> Outcome {
    let request = ResendNotificationRequest {
        zoneid,
        job: JobSelector::Index(index),
    };
    match client.resend_notification(&request).await {
        Ok(log) => {
            let calls: Vec<HookCall> = log
                .into_iter()
                .map(|c| HookCall {
                    hook: c.hook,
                    status: c.resp_code,
                    error: c.error.filter(|e| !e.is_empty()),
                    time: Some(c.time.0),
                })
                .collect();
            let status = if calls.iter().all(HookCall::succeeded) {
                Status::Delivered
            } else {
                Status::Failed
            };
            Outcome {
                status,
                calls,
                error: None,
            }
        }
        Err(e) => {
            // A 4xx answer (429 included) means the server did not act on the request.
            let refused = e.status().is_some_and(|s| s.is_client_error());
            let status = if !refused && e.may_have_been_delivered() {
                Status::Uncertain
            } else {
                Status::NotSent
            };
            Outcome {
                status,
                calls: Vec::new(),
                error: Some(error_chain(&e)),
            }
        }
    }
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// Resends the plan's jobs, recording each in `journal` (see the crate docs for resume and
/// uncertain items). `client` is shared by all workers, so is its rate limiter.
pub async fn execute(
    client: &Client,
    plan: Plan,
    journal: &mut dyn Journal,
    options: &Options,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Report, RecoverError> {
    execute_until(client, plan, journal, options, &StopFlag::new(), progress).await
}

/// [`execute`], taking no new item once `stop` is raised (Ctrl-C): in-flight ones finish and
/// are recorded, and the report says `interrupted`.
pub async fn execute_until(
    client: &Client,
    plan: Plan,
    journal: &mut dyn Journal,
    options: &Options,
    stop: &StopFlag,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Report, RecoverError> {
    if plan.kind != PlanKind::FivecentsRecover {
        return Err(RecoverError::Plan(format!(
            "a {} plan given to fivecents::execute",
            plan.kind.as_str()
        )));
    }
    run_plan(plan, journal, options, stop, progress, |item| async move {
        match item.detail.parse::<JobDetail>() {
            Ok(job) => resend_one(client, job.zoneid, job.index).await,
            Err(e) => Outcome {
                status: Status::NotSent,
                calls: Vec::new(),
                error: Some(format!("plan item {} is not a job: {e}", item.key)),
            },
        }
    })
    .await
}

/// `{}`: the detail of an item whose own could not be encoded (it cannot happen for the
/// detail types here, which are plain strings and numbers).
pub(crate) fn empty_object() -> RawJson {
    RawJson::from_string("{}".to_owned()).expect("`{}` is JSON")
}
