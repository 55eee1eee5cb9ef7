//! Intake (DOMAIN.md §3 row 1): petitions submitted by petitioners and petitions recorded by bureau clerks.
//!
//! At intake the service looks for an earlier case of the same petitioner on a similar matter: a `FINAL` one means
//! the new petition is not accepted (Art 36 ¶3), as does one already accepted below when the new one is raised
//! higher up (Art 19 ¶3); an open one is linked as repeated, not silently duplicated.
//!
//! Intakes into one county must not wait for each other. The serial of the reference is taken before the
//! intake's transaction, from a block this server process reserved in a statement of its own (see
//! [`ReferenceSerials`](crate::models::serials::ReferenceSerials)), so no intake holds the county's counter while it writes; a submission retried at the same
//! moment waits only for its twin, on the row of its idempotency key that the first one claimed.

use chrono::{DateTime, Datelike, Utc};
use diesel::{Connection, PgConnection};
use serde_json::json;

use super::{check_past, history, WorkContext};
use crate::auth::token::stored_query_code;
use crate::config::QueryCodeKeys;
use crate::domain::case::ReceivedLevel;
use crate::domain::case::{case_reference, new_query_code, CaseStatus, Category, Channel, EventKind};
use crate::domain::credentials::parse_display_name;
use crate::domain::details::{to_payload, Received, RepeatLinked, Told};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::organisation::received_level;
use crate::domain::organisation::{is_within, JurisdictionLevel};
use crate::domain::permission::{act, authorize_recording, authorize_submission, Authorized};
use crate::domain::person::{
    parse_text, IdNumber, PhoneNumber, CONTENT_MAX_CHARS, MAX_REPRESENTATIVES, TITLE_MAX_CHARS,
};
use crate::domain::role::Role;
use crate::domain::schedule::{next_staff_due, schedule, EventFact};
use crate::error::{AppError, AppResult, Message};
use crate::models::case::{self as case_model, Case, Handling, NewCase, SamePerson};
use crate::models::case_event::{CaseEntry, NewCaseEvent};
use crate::models::idempotency;
use crate::models::jurisdiction::{self, Jurisdiction};
use crate::models::serials::ReferenceSerials;
use std::sync::Arc;

/// What a petition says, however it arrived.
pub struct Petition<'a> {
    pub jurisdiction_code: &'a str,
    pub title: &'a str,
    pub content: &'a str,
    pub category: Option<Category>,
    pub phone: Option<&'a str>,
    pub id_number: Option<&'a str>,
    pub anonymous: bool,
    /// An online petition addressed above the county of its matter (to the city or the province): the code of the
    /// jurisdiction addressed.
    pub addressed_to: Option<&'a str>,
}

/// What intake numbers and seals a new case with: the counties' reference serials and the keys its query code is
/// stored under (the server's, handed down by the GraphQL layer).
#[derive(Clone)]
pub struct Numbering {
    pub serials: Arc<ReferenceSerials>,
    pub query_codes: QueryCodeKeys,
}

/// How a clerk's petition came in, besides what it says: by which channel and when, from whom (and their
/// representatives, for a group), with the clerk's note, and whether through the national online channel.
pub struct Recording<'a> {
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub petitioner: RecordedPetitioner<'a>,
    pub representatives: &'a [Representative<'a>],
    pub group_size: i32,
    pub note: Option<&'a str>,
    pub national_channel: bool,
}

/// A representative of a group petition.
pub struct Representative<'a> {
    pub name: &'a str,
    pub phone: Option<&'a str>,
}

/// A new case and, once only, its query code.
pub struct Intake {
    pub case: Case,
    pub query_code: Option<String>,
}

struct Checked {
    jurisdiction: Jurisdiction,
    township: Option<String>,
    title: String,
    content: String,
    phone: Option<String>,
    id_number: Option<String>,
    category: Option<Category>,
    anonymous: bool,
}

/// Parses the common fields. A township is filed under its county, with the township kept.
fn check(conn: &mut PgConnection, p: &Petition<'_>) -> AppResult<Checked> {
    let title = parse_text(p.title, "input.title", TITLE_MAX_CHARS)?;
    let content = parse_text(p.content, "input.content", CONTENT_MAX_CHARS)?;
    let phone = p.phone.filter(|s| !s.trim().is_empty()).map(|s| PhoneNumber::parse(s, "input.phone")).transpose()?;
    let id_number =
        p.id_number.filter(|s| !s.trim().is_empty()).map(|s| IdNumber::parse(s, "input.idNumber")).transpose()?;
    let place = jurisdiction::find(conn, p.jurisdiction_code)?
        .ok_or_else(|| AppError::not_found("jurisdiction").with_field("input.jurisdictionCode"))?;
    let (jurisdiction, township) = if place.level == JurisdictionLevel::Township {
        let county = place.parent_code.as_deref().ok_or_else(|| AppError::internal("township without county"))?;
        let county = jurisdiction::find(conn, county)?.ok_or_else(|| AppError::internal("missing county"))?;
        (county, Some(place.code))
    } else {
        (place, None)
    };
    Ok(Checked {
        jurisdiction,
        township,
        title,
        content,
        phone: phone.map(|p| p.as_str().to_owned()),
        id_number: id_number.map(|i| i.as_str().to_owned()),
        category: p.category,
        anonymous: p.anonymous,
    })
}

struct Filing<'a> {
    /// The new case's id, chosen before it is written (an idempotency key may already name it).
    case_id: CaseId,
    checked: Checked,
    reference: String,
    channel: Channel,
    /// Who petitioned (the case shows 匿名 for an anonymous petition).
    petitioner_name: String,
    petitioner_account: Option<AccountId>,
    group_size: i32,
    representatives: serde_json::Value,
    received_at: DateTime<Utc>,
    /// The level it was received at, and the receiving jurisdiction when that is not the matter's.
    received: (ReceivedLevel, Option<String>),
    event: EventKind,
    note: Option<&'a str>,
}

/// The level at which a bureau of `receiver` (a jurisdiction code) receives a petition about the matter of
/// `checked`, and the receiving jurisdiction when it lies above the matter's. Looks the receiver up only when it is
/// not the matter's own jurisdiction.
fn received_by(
    conn: &mut PgConnection,
    checked: &Checked,
    receiver: &str,
    field: &str,
) -> AppResult<(ReceivedLevel, Option<String>)> {
    if receiver == checked.jurisdiction.code {
        return Ok((ReceivedLevel::Local, None));
    }
    let found =
        jurisdiction::find(conn, receiver)?.ok_or_else(|| AppError::not_found("jurisdiction").with_field(field))?;
    let level = received_level(&checked.jurisdiction.path, &found.path, found.level);
    Ok((level, (level != ReceivedLevel::Local).then_some(found.code)))
}

impl Filing<'_> {
    /// Writes a new case, its first history entries and its deadlines, as the caller the proof allowed to file it.
    fn write<A: act::Files>(
        self,
        conn: &mut PgConnection,
        ctx: &WorkContext,
        proof: &Authorized<A>,
        query_codes: &QueryCodeKeys,
    ) -> AppResult<Intake> {
        let f = self;
        let c = &f.checked;
        let text = format!("{} {}", c.title, c.content);
        let person =
            SamePerson { account: f.petitioner_account, id_number: c.id_number.as_deref(), phone: c.phone.as_deref() };
        let earlier = crate::models::unscoped::earlier_similar(conn, &person, &text)?;
        let refusal = earlier.as_ref().and_then(|e| not_accepted_again(e, &c.jurisdiction.path));
        let repeat_of = earlier.as_ref().map(|e| e.id);
        let reference = &f.reference;
        let query_code = new_query_code(&mut rand::thread_rng());
        let status = if refusal.is_some() { CaseStatus::NotAccepted } else { CaseStatus::Submitted };
        // The history intake writes, and the deadlines it implies: known before anything is written, so the case row
        // goes in once, with its next due date (no second write of a freshly indexed row).
        let written = intake_history(f.event, f.channel, repeat_of, refusal);
        let facts: Vec<EventFact> = written.iter().map(|(kind, ..)| EventFact::new(*kind, f.received_at)).collect();
        let deadlines = schedule(&facts, &ctx.env.rules, &ctx.env.calendar);
        let new = NewCase {
            id: f.case_id,
            reference,
            query_code_hash: &stored_query_code(query_codes, &query_code),
            jurisdiction_code: &c.jurisdiction.code,
            township_code: c.township.as_deref(),
            status,
            channel: f.channel,
            category: c.category,
            title: &c.title,
            content: &c.content,
            petitioner_name: if c.anonymous { "匿名" } else { &f.petitioner_name },
            petitioner_account_id: f.petitioner_account,
            is_anonymous: c.anonymous,
            group_size: f.group_size,
            received_at: f.received_at,
            repeat_of_case_id: repeat_of,
            representatives: f.representatives.clone(),
            disposition_note: refusal,
            petitioner_phone: c.phone.as_deref(),
            petitioner_id_number: c.id_number.as_deref(),
            next_due_at: next_staff_due(&deadlines),
            received_level: f.received.0,
            received_by_code: f.received.1.as_deref(),
            handling: Handling::default(),
        };
        let entries: Vec<NewCaseEvent<'_>> = written
            .into_iter()
            .map(|(kind, from, to, payload)| {
                let written = history::entry_on(ctx, proof, f.case_id, &c.jurisdiction.code, kind);
                let entry = CaseEntry { occurred_at: f.received_at, ..written.entry.moving(from, to) };
                NewCaseEvent { entry: entry.saying(f.note.map(str::to_owned), payload), ..written }
            })
            .collect();
        let case = case_model::insert_with_history(conn, proof, &new, &entries, &deadlines)?;
        Ok(Intake { case, query_code: Some(query_code) })
    }
}

/// The reference of a petition to `jurisdiction` received at `received_at`, with a serial from `serials`.
fn new_reference(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    serials: &ReferenceSerials,
    jurisdiction: &str,
    received_at: DateTime<Utc>,
) -> AppResult<String> {
    let year = ctx.env.calendar.local_date(received_at).year();
    let serial = serials.take(conn, jurisdiction, year)?;
    Ok(case_reference(jurisdiction, year, serial as u32))
}

/// The case an earlier `submitPetition` with this idempotency key created (the key is known to be taken).
fn submitted_before(conn: &mut PgConnection, ctx: &WorkContext, key: &str) -> AppResult<Intake> {
    let case_id = idempotency::case_of(conn, ctx.caller.account_id, key)?
        .ok_or_else(|| AppError::internal("claimed key vanished"))?;
    let case = crate::models::case::find_visible(conn, &crate::domain::scope::case_scope(&ctx.caller), case_id)?
        .ok_or_else(|| AppError::internal("idempotent case vanished"))?;
    Ok(Intake { case, query_code: None })
}

/// `submitPetition`: a petitioner files online or through the app. A retry with the same idempotency key returns
/// the first case again (without the query code, which is shown once), also when it arrives while the first is
/// still being written. `conn` must not be inside a transaction: this opens its own.
pub fn submit(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    numbering: &Numbering,
    petition: &Petition<'_>,
    channel: Channel,
    idempotency_key: &str,
) -> AppResult<Intake> {
    let proof = authorize_submission(&ctx.caller)?;
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::bad_input("input.idempotencyKey", Message::OneTo100Characters));
    }
    if !matches!(channel, Channel::Online | Channel::Mobile) {
        return Err(AppError::bad_input("input.channel", Message::PetitionerChannels));
    }
    let account = ctx.caller.account_id;
    let checked = check(conn, petition)?;
    let received = match petition.addressed_to.map(str::trim).filter(|a| !a.is_empty()) {
        None => (ReceivedLevel::Local, None),
        Some(addressed) => {
            let received = received_by(conn, &checked, addressed, "input.addressedTo")?;
            let above = received.1.is_some() || addressed == checked.jurisdiction.code;
            if !above {
                return Err(AppError::bad_input("input.addressedTo", Message::AddressedBelow));
            }
            received
        }
    };
    // A retry of a submission that succeeded takes a serial it does not use (a gap, which references may have):
    // finding that out first would cost every new submission a statement.
    let reference = new_reference(conn, ctx, &numbering.serials, &checked.jurisdiction.code, ctx.env.now)?;
    let case_id = CaseId::new_v4();
    conn.transaction(|conn| {
        // The key is claimed before anything is written; a twin of this request (a retry sent at the same moment)
        // waits in its own claim until this one commits, then finds this case. Unrelated submissions do not wait.
        if !idempotency::claim(conn, &proof, account, key, "submitPetition", case_id)? {
            return submitted_before(conn, ctx, key);
        }
        Filing {
            case_id,
            checked,
            reference,
            channel,
            petitioner_name: ctx.caller.display_name.clone(),
            petitioner_account: Some(account),
            group_size: 1,
            representatives: json!([]),
            received_at: ctx.env.now,
            received,
            event: EventKind::Submitted,
            note: None,
        }
        .write(conn, ctx, &proof, &numbering.query_codes)
    })
}

/// Who petitioned, as the clerk records it.
pub struct RecordedPetitioner<'a> {
    pub name: &'a str,
    /// The petitioner's account, when they have one.
    pub account_id: Option<AccountId>,
}

/// `recordPetition`: a bureau clerk records a letter, visit, call or fax, with the time it was received (which may
/// lie in the past: its deadlines run from then). `conn` must not be inside a transaction: this opens its own.
pub fn record(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    numbering: &Numbering,
    petition: &Petition<'_>,
    recording: &Recording<'_>,
) -> AppResult<Intake> {
    let Recording { channel, received_at, ref petitioner, representatives, group_size, note, national_channel } =
        *recording;
    if !matches!(channel, Channel::Letter | Channel::Visit | Channel::Phone | Channel::Fax) {
        return Err(AppError::bad_input("input.channel", Message::ClerkChannels));
    }
    let received_at = check_past(received_at, ctx.env.now, None, "input.receivedAt")?;
    let reps = group(representatives, group_size)?;
    let name = parse_display_name(petitioner.name, "input.petitioner.name")?;
    let checked = check(conn, petition)?;
    let proof = authorize_recording(&ctx.caller, &checked.jurisdiction.path)?;
    // Received where the clerk's bureau sits: above the matter's county, a skip-level petition.
    let clerk_at = ctx.caller.jurisdiction.as_ref().map(|(code, _)| code.as_str()).unwrap_or_default();
    let received =
        through_national_channel(received_by(conn, &checked, clerk_at, "input.jurisdictionCode")?, national_channel)?;
    if let Some(account) = petitioner.account_id {
        let ok = crate::models::account::find(conn, account)?.is_some_and(|a| a.roles.contains(&Role::Petitioner));
        if !ok {
            return Err(AppError::bad_input("input.petitioner.accountId", Message::NoSuchPetitioner));
        }
    }
    let note = crate::domain::person::parse_optional_text(note, "input.note", crate::domain::person::NOTE_MAX_CHARS)?;
    let reference = new_reference(conn, ctx, &numbering.serials, &checked.jurisdiction.code, received_at)?;
    let intake = conn.transaction(|conn| {
        Filing {
            case_id: CaseId::new_v4(),
            checked,
            reference,
            channel,
            petitioner_name: name,
            petitioner_account: petitioner.account_id,
            group_size: group_size.max(reps.len() as i32),
            representatives: json!(reps),
            received_at,
            received,
            event: EventKind::Recorded,
            note: note.as_deref(),
        }
        .write(conn, ctx, &proof, &numbering.query_codes)
    })?;
    if intake.case.status == CaseStatus::NotAccepted {
        tracing::info!(reference = %intake.case.reference, "recorded petition not accepted: earlier final or accepted case");
    }
    Ok(intake)
}

/// The representatives of a group petition as stored, each name and phone checked, and the group's size checked.
fn group(representatives: &[Representative<'_>], group_size: i32) -> AppResult<Vec<serde_json::Value>> {
    if representatives.len() > MAX_REPRESENTATIVES {
        let message = Message::TooManyRepresentatives(MAX_REPRESENTATIVES.to_string());
        return Err(AppError::bad_input("input.representatives", message));
    }
    if !(1..=100_000).contains(&group_size) {
        return Err(AppError::bad_input("input.groupSize", Message::OneTo100000));
    }
    representatives
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let name = parse_display_name(r.name, &format!("input.representatives.{i}.name"))?;
            let phone =
                r.phone.map(|p| PhoneNumber::parse(p, &format!("input.representatives.{i}.phone"))).transpose()?;
            Ok(json!({"name": name, "phone": phone.map(|p| p.as_str().to_owned())}))
        })
        .collect()
}

/// Where a recorded petition was received, when a provincial bureau records one passed on from a national channel.
fn through_national_channel(
    received: (ReceivedLevel, Option<String>),
    national_channel: bool,
) -> AppResult<(ReceivedLevel, Option<String>)> {
    match (national_channel, received.0) {
        (false, _) => Ok(received),
        (true, ReceivedLevel::Province) => Ok((ReceivedLevel::National, received.1)),
        (true, _) => Err(AppError::bad_input("input.nationalChannel", Message::NationalChannelProvinceOnly)),
    }
}

/// Why a petition that repeats `earlier` is not accepted again, if it is not: the matter's re-review is final
/// (Art 36 ¶3), or a body below the one it reached accepted it and is within its periods (Art 19 ¶3).
fn not_accepted_again(earlier: &case_model::EarlierCase, path: &str) -> Option<&'static str> {
    let accepted_below = !matches!(
        earlier.status,
        CaseStatus::Submitted | CaseStatus::Forwarded | CaseStatus::Assigned | CaseStatus::Objected
    ) && is_within(&earlier.path, path)
        && earlier.path != path;
    if earlier.status == CaseStatus::Final {
        Some("该事项已经复核终结，不再受理 (Art 36 ¶3)")
    } else if accepted_below {
        Some("该事项已由下级机关受理并在办理期限内，不再受理 (Art 19 ¶3)")
    } else {
        None
    }
}

/// The entries intake writes: the petition received, its link to an earlier case, and its refusal, if any; each
/// as (kind, from status, to status, details).
fn intake_history(
    event: EventKind,
    channel: Channel,
    repeat_of: Option<CaseId>,
    refusal: Option<&str>,
) -> Vec<(EventKind, Option<CaseStatus>, Option<CaseStatus>, serde_json::Value)> {
    let mut written = vec![(event, None, Some(CaseStatus::Submitted), to_payload(&Received { channel }))];
    if let Some(earlier) = repeat_of {
        written.push((EventKind::RepeatLinked, None, None, to_payload(&RepeatLinked { repeat_of: earlier })));
    }
    if let Some(reason) = refusal {
        let told = to_payload(&Told { notice: reason.to_owned() });
        written.push((EventKind::NotAccepted, Some(CaseStatus::Submitted), Some(CaseStatus::NotAccepted), told));
    }
    written
}
