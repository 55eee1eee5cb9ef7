//! A case's history entries as the API shows them.

use super::*;
use crate::graphql::event_detail::{shows_case, shows_notice};

/// An entry in a case's history.
pub struct CaseEventNode {
    pub event: CaseEvent,
    /// Seen by the petitioner: no internal note, no actor.
    pub public: bool,
}

/// An entry in a case's history (append-only).
#[Object(name = "CaseEvent")]
impl CaseEventNode {
    /// What happened (a transition, an activity or an administrative act).
    async fn kind(&self) -> EventKind {
        self.event.entry.kind
    }

    /// The status before, for transitions.
    async fn from_status(&self) -> Option<CaseStatus> {
        self.event.entry.from_status
    }

    /// The status after, for transitions.
    async fn to_status(&self) -> Option<CaseStatus> {
        self.event.entry.to_status
    }

    /// When it happened.
    async fn occurred_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.event.entry.occurred_at)
    }

    /// When it was recorded (may be later than it happened).
    async fn recorded_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.event.recorded_at)
    }

    /// The text addressed to the petitioner, if any (a notice, the handling opinion, where to go).
    async fn notice(&self) -> Option<&str> {
        notice_of(&self.event.entry.payload)
    }

    /// The internal note; null for petitioners.
    async fn note(&self) -> Option<&str> {
        self.staff_view().and_then(|e| e.entry.note.as_deref())
    }

    /// The role the actor acted in (`SYSTEM` for the deadline sweep's entries).
    async fn actor_role(&self) -> Option<ActorRole> {
        self.event.entry.actor_role
    }

    /// Who acted (an account id); null for petitioners.
    async fn actor_id(&self) -> Option<ID> {
        self.staff_view().and_then(|e| e.entry.actor_account_id).map(|id| ID(id.to_string()))
    }

    /// What this kind of entry records, as a typed object per kind; staff only. The ids of other objects show
    /// only where the reader may see them (the earlier case a repeat links to, the notice that supervised the case).
    async fn detail(&self, ctx: &Context<'_>) -> Result<Option<crate::graphql::event_detail::CaseEventDetail>> {
        if self.public {
            return Ok(None);
        }
        crate::graphql::event_detail::of(ctx, &self.event).await
    }

    /// The same details as untyped JSON; staff only.
    #[graphql(deprecation = "use `detail`, which has a type per kind of entry")]
    async fn details(&self, ctx: &Context<'_>) -> Result<Option<async_graphql::Json<serde_json::Value>>> {
        if self.public {
            return Ok(None);
        }
        if crate::graphql::event_detail::hides_file(ctx, &self.event).await? {
            return Ok(None);
        }
        let mut details = self.event.entry.payload.clone();
        let hidden = match self.event.entry.kind {
            EventKind::RepeatLinked => match RepeatLinked::deserialize(&details) {
                Ok(link) => (!shows_case(ctx, link.repeat_of).await?).then_some("repeatOf"),
                Err(_) => None,
            },
            EventKind::Supervised => match Supervised::deserialize(&details) {
                Ok(s) => (!shows_notice(ctx, s.notice_id).await?).then_some("noticeId"),
                Err(_) => None,
            },
            _ => None,
        };
        if let (Some(key), Some(fields)) = (hidden, details.as_object_mut()) {
            fields.remove(key);
        }
        Ok(Some(async_graphql::Json(details)))
    }

    /// Whether only staff see this entry.
    async fn staff_only(&self) -> bool {
        self.event.staff_only
    }

    /// Its place in the case's history chain (1 for the first entry); staff only, as petitioners do not see every
    /// entry.
    async fn chain_position(&self) -> Option<i32> {
        self.staff_view().map(|e| e.chain_position)
    }

    /// The digest of the entry before it in the chain, in hex (null for the first); staff only.
    async fn previous_digest(&self) -> Option<&str> {
        self.staff_view().and_then(|e| e.prev_digest.as_deref())
    }

    /// The SHA-256 of this entry's content and of the digest before it, in hex, as the database computed it when
    /// the entry was written; staff only. The last entry's is `Case.historyDigest`; `petition-api verify-history`
    /// recomputes them all.
    async fn digest(&self) -> Option<&str> {
        self.staff_view().map(|e| e.digest.as_str())
    }
}

impl CaseEventNode {
    /// The entry, for a staff reader; none for the petitioner.
    fn staff_view(&self) -> Option<&CaseEvent> {
        (!self.public).then_some(&self.event)
    }
}
