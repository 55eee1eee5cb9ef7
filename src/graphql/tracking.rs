//! Public tracking (`trackCase`): anyone with a reference and its query code follows a case without an account.

use std::time::Instant;

use crate::domain::case::EventKind;
use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, FixedOffset};

use super::case::DeadlineView;
use super::context::{environment, local_time, request, state, viewer};
use crate::auth::throttle::Verdict;
use crate::domain::case::CaseStatus;
use crate::error::AppError;
use crate::services::case_work::tracking;

/// What anyone with the reference and query code may know of a case.
pub struct CaseProgress(tracking::Progress);

/// What anyone with the reference and query code may know of a case: progress, dates, deadlines and notices, no
/// names or internal notes.
#[Object]
impl CaseProgress {
    /// The reference.
    async fn reference(&self) -> &str {
        &self.0.case.reference
    }

    /// Where the case stands.
    async fn status(&self) -> Option<CaseStatus> {
        Some(self.0.case.status)
    }

    /// When it was received.
    async fn received_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.case.received_at)
    }

    /// The time limits and whether they were met.
    async fn deadlines(&self, ctx: &Context<'_>) -> Vec<DeadlineView> {
        let now = state(ctx).clock.now();
        self.0.deadlines.iter().map(|d| DeadlineView::of(ctx, d, now)).collect()
    }

    /// The public history: what happened when, with the notices addressed to the petitioner.
    async fn events(&self, ctx: &Context<'_>) -> Vec<ProgressEvent> {
        self.0
            .events
            .iter()
            .map(|e| ProgressEvent { kind: e.kind, occurred_at: local_time(ctx, e.at), notice: e.notice.clone() })
            .collect()
    }
}

/// A public history entry.
#[derive(SimpleObject)]
pub struct ProgressEvent {
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub occurred_at: DateTime<FixedOffset>,
    /// The notice for the petitioner, if any.
    pub notice: Option<String>,
}

#[derive(Default)]
pub struct TrackingQuery;

#[Object]
impl TrackingQuery {
    /// Follow a case without an account, with its reference and query code (查询码). A wrong code answers exactly
    /// like an unknown reference (`NOT_FOUND`); repeated misses from one address are refused with `RATE_LIMITED`.
    async fn track_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reference, e.g. `510502-2022-000017`.")] reference: String,
        #[graphql(desc = "The 8-character query code given at intake.")] query_code: String,
    ) -> Result<Option<CaseProgress>> {
        viewer(ctx)?;
        let st = state(ctx);
        let ip_key = [format!("track:{}", request(ctx).client_ip)];
        if let Verdict::Refuse(wait) = st.track_limiter.check(&ip_key, Instant::now()) {
            return Err(AppError::rate_limited(wait.as_secs().max(1)).into());
        }
        if reference.len() > 40 || query_code.len() > 20 {
            st.track_limiter.record_failure(&ip_key, Instant::now());
            return Err(tracking::not_found().into());
        }
        let env = environment(ctx);
        let keys = st.settings.query_codes.clone();
        let result = st.db.run(move |conn| tracking::track(conn, &env, &keys, &reference, &query_code)).await;
        match result {
            Ok(progress) => Ok(Some(CaseProgress(progress))),
            Err(e) => {
                if e.code == crate::error::ErrorCode::NotFound {
                    st.track_limiter.record_failure(&ip_key, Instant::now());
                }
                Err(e.into())
            }
        }
    }
}
