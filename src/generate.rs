//! `petition-api generate --cases N`: writes a consistent synthetic province into the configured database, for the
//! benchmarks, for operators trying the service at scale, and for capacity planning.
//!
//! Every case tells a plausible story through the same event kinds and payloads the API writes (received, routed,
//! accepted, classified, a case lead for the hard ones, answered, evaluated, closed), cut off at the present, so
//! recent cases are open and some are late. Its stored deadlines come from the same rules the API uses
//! (`domain::schedule::schedule`), and the portal figures' aggregates are kept by the database's triggers as the
//! rows go in. Cases are written in batches, one transaction each, many rows per statement; history entries written
//! here are not announced to live subscribers (nobody watches a bulk load).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use uuid::Uuid;

use crate::config::Settings;
use crate::db::schema::{accounts, case_events, cases, jurisdictions, units};
use crate::domain::case::{case_reference, CaseStatus, ClosureReason, EventKind, Outcome, ServedVia};
use crate::domain::details::{to_payload, Answered, Closed, Routed, Told};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::UnitId;
use crate::domain::role::ActorRole;
use crate::domain::role::Role;
use crate::domain::schedule::{next_staff_due, schedule, Deadline};
use crate::error::{AppError, AppResult, Message};
use crate::models::case_event::{CaseEntry, CaseEvent, NewCaseEvent};
use crate::models::serials::ReferenceSerials;
use crate::services::case_work::history::facts;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub cases: u64,
    /// The province whose counties receive the cases.
    pub province: String,
    /// How many years back the cases reach.
    pub years: u32,
    /// The same seed gives the same stories (ids and references aside).
    pub seed: u64,
}

impl Default for Plan {
    /// No cases yet; 四川省 over 3 years, seed 1.
    fn default() -> Plan {
        Plan { cases: 0, province: "510000".into(), years: 3, seed: 1 }
    }
}

/// Cases per transaction.
const BATCH: usize = 5_000;
/// Rows per INSERT statement (PostgreSQL takes at most 65,535 parameters per statement).
const ROWS_PER_STATEMENT: usize = 2_000;

const MATTERS: [&str; 12] = [
    "拖欠农民工工资",
    "小区物业维修",
    "征地补偿标准",
    "噪音扰民",
    "违章建筑拆除",
    "医疗费用报销",
    "学位分配",
    "低保资格认定",
    "供水水费争议",
    "道路积水",
    "冬季供暖不足",
    "养老保险待遇",
];

struct County {
    code: String,
    /// The county's city, and its province: where its skip-level petitions go.
    city: String,
    province: String,
    /// The handling units: id and name.
    units: Vec<(Uuid, String)>,
    lead: AccountId,
}

/// A case as the generator writes it.
#[derive(Insertable)]
#[diesel(table_name = cases)]
struct GeneratedCase {
    id: Uuid,
    reference: String,
    query_code_hash: Vec<u8>,
    jurisdiction_code: String,
    status: String,
    channel: String,
    category: Option<String>,
    title: String,
    content: String,
    petitioner_name: String,
    petitioner_account_id: Option<AccountId>,
    current_unit_id: Option<UnitId>,
    case_lead_account_id: Option<AccountId>,
    received_at: DateTime<Utc>,
    handling_days: Option<i32>,
    routing: Option<String>,
    next_due_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    evaluation: Option<serde_json::Value>,
    is_backlog: bool,
    received_level: String,
    received_by_code: Option<String>,
}

/// One history entry of a generated case.
struct Step {
    kind: EventKind,
    to: Option<CaseStatus>,
    at: DateTime<Utc>,
    payload: serde_json::Value,
}

/// What a run wrote.
#[derive(Debug, Default)]
pub struct Report {
    pub cases: u64,
    pub events: u64,
    pub deadlines: u64,
}

/// Writes `plan.cases` cases; `progress(done, total)` is called after every batch.
pub fn run(
    conn: &mut PgConnection,
    settings: &Settings,
    plan: &Plan,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64, u64),
) -> AppResult<Report> {
    let counties = counties(conn, &plan.province)?;
    if counties.is_empty() {
        return Err(AppError::bad_input("--province", Message::NoCountyWithHandlingUnit));
    }
    let petitioners = petitioner_pool(conn, 1_000)?;
    let mut rng = StdRng::seed_from_u64(plan.seed);
    // Where each petition was received comes from a stream of its own, so that the rest of a seed's province is
    // what it was before skip-level petitions were generated.
    let mut receipts = StdRng::seed_from_u64(plan.seed ^ 0x5ce1_1e7e);
    let mut report = Report::default();
    // Serials from the same counters the API uses, a block at a time, so references never collide with the
    // API's, before, during or after the run.
    let serials = ReferenceSerials::new(1_000);
    while report.cases < plan.cases {
        let n = BATCH.min((plan.cases - report.cases) as usize);
        let mut batch_cases = Vec::with_capacity(n);
        let mut batch_events = Vec::with_capacity(n * 7);
        let mut batch_deadlines = Vec::with_capacity(n * 5);
        for _ in 0..n {
            let county = &counties[rng.gen_range(0..counties.len())];
            let (case, steps) = story(&mut rng, settings, plan, now, county, &petitioners);
            let year = settings.calendar().local_date(case.received_at).year();
            let serial = serials.take(conn, &county.code, year)?;
            let mut case = case;
            case.reference = case_reference(&county.code, year, serial as u32);
            // A few in a hundred went above the county: to the city, the province, or a national channel.
            (case.received_level, case.received_by_code) = match receipts.gen_range(0..100) {
                // A county straight under the province has no city between them.
                0..=2 if county.city == county.province => ("PROVINCE".to_owned(), Some(county.province.clone())),
                0..=2 => ("CITY".to_owned(), Some(county.city.clone())),
                3..=4 => ("PROVINCE".to_owned(), Some(county.province.clone())),
                5 => ("NATIONAL".to_owned(), Some(county.province.clone())),
                _ => ("LOCAL".to_owned(), None),
            };
            let history: Vec<CaseEvent> = steps
                .iter()
                .map(|s| CaseEvent {
                    id: 0,
                    case_id: case.id.into(),
                    // No actor: generated history is nobody's.
                    entry: CaseEntry { actor_role: None, ..CaseEntry::new(s.kind, (None, ActorRole::System), s.at) }
                        .moving(None, s.to)
                        .saying(None, s.payload.clone()),
                    recorded_at: s.at,
                    staff_only: false,
                    // Not written yet: the insert's trigger chains it.
                    chain_position: 0,
                    prev_digest: None,
                    digest: String::new(),
                })
                .collect();
            let deadlines = schedule(&facts(&history), &settings.rules, &settings.calendar());
            case.next_due_at = next_staff_due(&deadlines);
            report.deadlines += deadlines.len() as u64;
            batch_deadlines.push((case.id, case.jurisdiction_code.clone(), deadlines));
            batch_events.extend(history.into_iter().map(|e| (case.jurisdiction_code.clone(), e)));
            batch_cases.push(case);
        }
        report.events += batch_events.len() as u64;
        conn.transaction(|conn| {
            // The history triggers announce entries to live subscribers; not these (see the migration).
            diesel::sql_query("SELECT set_config('petition.bulk_load', 'on', true)").execute(conn)?;
            for chunk in batch_cases.chunks(ROWS_PER_STATEMENT / 2) {
                diesel::insert_into(cases::table).values(chunk).execute(conn)?;
            }
            let rows: Vec<NewCaseEvent<'_>> = batch_events
                .iter()
                .map(|(jurisdiction, e)| NewCaseEvent {
                    case_id: e.case_id,
                    jurisdiction_code: jurisdiction,
                    entry: e.entry.clone(),
                    staff_only: false,
                })
                .collect();
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(case_events::table).values(chunk).execute(conn)?;
            }
            let deadlines: Vec<(CaseId, &str, &[Deadline])> =
                batch_deadlines.iter().map(|(id, code, d)| ((*id).into(), code.as_str(), d.as_slice())).collect();
            crate::models::deadline::insert_many(conn, &crate::domain::permission::SystemWrite::new(), &deadlines)?;
            Ok::<_, AppError>(())
        })?;
        report.cases += n as u64;
        // Keep the figures' pending differences small as we go.
        crate::models::figures::compact(conn)?;
        progress(report.cases, plan.cases);
    }
    crate::db::analyze(conn)?;
    Ok(report)
}

/// The counties of `province` with their handling units, and a case lead account for each (made if missing).
fn counties(conn: &mut PgConnection, province: &str) -> AppResult<Vec<County>> {
    let path: String = jurisdictions::table
        .find(province)
        .select(jurisdictions::path)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::bad_input("--province", Message::NoSuchJurisdiction))?;
    let rows: Vec<(String, Option<String>, Uuid, String)> = jurisdictions::table
        .inner_join(units::table.on(units::jurisdiction_code.eq(jurisdictions::code)))
        .filter(jurisdictions::level.eq("COUNTY"))
        .filter(jurisdictions::path.like(format!("{path}%")))
        .filter(units::kind.eq("HANDLING_UNIT"))
        .order((jurisdictions::code, units::name))
        .select((jurisdictions::code, jurisdictions::parent_code, units::id, units::name))
        .load(conn)?;
    /// A county's code, its city's, and its handling units.
    type Units = (String, String, Vec<(Uuid, String)>);
    let mut by_code: Vec<Units> = Vec::new();
    for (code, parent, unit, name) in rows {
        match by_code.last_mut() {
            Some((last, _, units)) if *last == code => units.push((unit, name)),
            _ => by_code.push((code, parent.unwrap_or_else(|| province.to_owned()), vec![(unit, name)])),
        }
    }
    by_code
        .into_iter()
        .map(|(code, city, units)| {
            let lead = generated_account(conn, &format!("gen.lead.{code}"), Role::CaseLead, Some(&code))?;
            Ok(County { code, city, province: province.to_owned(), units, lead })
        })
        .collect()
}

/// Petitioner accounts for the petitions filed online.
fn petitioner_pool(conn: &mut PgConnection, n: usize) -> AppResult<Vec<AccountId>> {
    (0..n).map(|i| generated_account(conn, &format!("gen.petitioner.{i}"), Role::Petitioner, None)).collect()
}

/// An account of the generator's, which nobody can sign in to (its password hash matches no password).
fn generated_account(
    conn: &mut PgConnection,
    username: &str,
    role: Role,
    jurisdiction: Option<&str>,
) -> AppResult<AccountId> {
    if let Some(id) =
        accounts::table.filter(accounts::username.eq(username)).select(accounts::id).first(conn).optional()?
    {
        return Ok(id);
    }
    let unit: Option<UnitId> = match jurisdiction {
        Some(code) => units::table
            .filter(units::jurisdiction_code.eq(code))
            .filter(units::kind.eq("BUREAU"))
            .select(units::id)
            .first(conn)
            .optional()?,
        None => None,
    };
    let id = AccountId::new_v4();
    diesel::insert_into(accounts::table)
        .values((
            accounts::id.eq(id),
            accounts::username.eq(username),
            accounts::password_hash.eq("!generated: no password"),
            accounts::display_name.eq(username),
            accounts::roles.eq(vec![role.as_str().to_owned()]),
            accounts::unit_id.eq(unit),
            accounts::jurisdiction_code.eq(jurisdiction),
        ))
        .execute(conn)?;
    Ok(id)
}

/// One case's story, cut off at `now`.
fn story(
    rng: &mut StdRng,
    settings: &Settings,
    plan: &Plan,
    now: DateTime<Utc>,
    county: &County,
    petitioners: &[AccountId],
) -> (GeneratedCase, Vec<Step>) {
    let tz = settings.time_zone;
    let span_days = i64::from(plan.years) * 365;
    let day: NaiveDate = (now - Duration::days(rng.gen_range(0..span_days))).with_timezone(&tz).date_naive();
    let at = |day: NaiveDate, rng: &mut StdRng| -> DateTime<Utc> {
        let time = day.and_hms_opt(rng.gen_range(8..18), rng.gen_range(0..60), 0).expect("valid time");
        tz.from_local_datetime(&time).earliest().map_or(now, |t| t.with_timezone(&Utc))
    };
    let received_at = at(day, rng).min(now);
    let online = rng.gen_bool(0.4);
    let channel = if online {
        ["ONLINE", "MOBILE"][rng.gen_range(0..2)]
    } else {
        ["LETTER", "VISIT", "PHONE"][rng.gen_range(0..3)]
    };
    let matter = MATTERS[rng.gen_range(0..MATTERS.len())];
    let category = ["SUGGESTION", "ACCUSATION", "APPEAL_DEMAND", "APPEAL_DEMAND", "APPEAL_DEMAND"][rng.gen_range(0..5)];
    let (unit, unit_name) = county.units[rng.gen_range(0..county.units.len())].clone();
    let mut case = GeneratedCase {
        id: Uuid::new_v4(),
        reference: String::new(),
        query_code_hash: vec![0],
        jurisdiction_code: county.code.clone(),
        status: CaseStatus::Submitted.as_str().to_owned(),
        channel: channel.to_owned(),
        category: None,
        title: format!("{matter}问题（第{}号）", rng.gen_range(1..100_000)),
        content: format!("反映{matter}问题，涉及{}户，请求有关部门依法处理。", rng.gen_range(1..200)),
        petitioner_name: "某某".to_owned(),
        petitioner_account_id: online.then(|| petitioners[rng.gen_range(0..petitioners.len())]),
        current_unit_id: None,
        case_lead_account_id: None,
        received_at,
        handling_days: None,
        routing: None,
        next_due_at: None,
        outcome: None,
        evaluation: None,
        is_backlog: false,
        received_level: "LOCAL".to_owned(),
        received_by_code: None,
    };
    let mut steps = Vec::new();
    let mut push = |case: &mut GeneratedCase,
                    kind: EventKind,
                    to: Option<CaseStatus>,
                    when: DateTime<Utc>,
                    payload: serde_json::Value| {
        if when > now {
            return false;
        }
        if let Some(to) = to {
            case.status = to.as_str().to_owned();
        }
        steps.push(Step { kind, to, at: when, payload });
        true
    };
    let intake = if online { EventKind::Submitted } else { EventKind::Recorded };
    push(&mut case, intake, Some(CaseStatus::Submitted), received_at, json!({"channel": channel}));
    'story: {
        // Routing: mostly within the 15 days of Art 22, some late.
        let routed_at = received_at + Duration::hours(rng.gen_range(2..24 * 20));
        let roll = rng.gen_range(0..100);
        if roll < 3 {
            push(
                &mut case,
                EventKind::RoutedOut,
                Some(CaseStatus::RoutedOut),
                routed_at,
                to_payload(&Told { notice: "请向人民法院起诉".into() }),
            );
            break 'story;
        }
        if roll < 5 {
            push(
                &mut case,
                EventKind::NotAccepted,
                Some(CaseStatus::NotAccepted),
                routed_at,
                to_payload(&Told { notice: "不属于信访事项".into() }),
            );
            break 'story;
        }
        let assigned = roll < 90;
        let handling_days = (assigned && rng.gen_bool(0.3)).then_some(30);
        let (kind, to) = if assigned {
            (EventKind::Assigned, CaseStatus::Assigned)
        } else {
            (EventKind::Forwarded, CaseStatus::Forwarded)
        };
        // The details the API writes for each kind (`domain::details`), so the history reads the same.
        let notice = format!("已转交{unit_name}办理");
        let routed = Routed { unit_id: unit.into(), unit_name: unit_name.clone(), handling_days, notice };
        if !push(&mut case, kind, Some(to), routed_at, to_payload(&routed)) {
            break 'story;
        }
        case.current_unit_id = Some(unit.into());
        case.routing = Some(if assigned { "ASSIGNED" } else { "FORWARDED" }.to_owned());
        case.handling_days = handling_days;
        // Some units never act: the case stays late until someone supervises it.
        if rng.gen_bool(0.03) {
            break 'story;
        }
        let accepted_at = routed_at + Duration::hours(rng.gen_range(2..24 * 17));
        let accepted = to_payload(&Told { notice: "已受理".to_owned() });
        if !push(&mut case, EventKind::Accepted, Some(CaseStatus::Accepted), accepted_at, accepted) {
            break 'story;
        }
        if !push(
            &mut case,
            EventKind::Classified,
            Some(CaseStatus::InProgress),
            accepted_at,
            json!({"category": category}),
        ) {
            break 'story;
        }
        case.category = Some(category.to_owned());
        // Hard cases get a case lead (包案); some are flagged as backlog.
        if rng.gen_bool(0.005) {
            let lead_at = accepted_at + Duration::days(1);
            if push(
                &mut case,
                EventKind::CaseLeadDesignated,
                None,
                lead_at,
                json!({"leadId": county.lead, "leadName": format!("gen.lead.{}", county.code)}),
            ) {
                case.case_lead_account_id = Some(county.lead);
                case.is_backlog = rng.gen_bool(0.3);
            }
        }
        if rng.gen_bool(0.04) {
            break 'story;
        }
        // The answer: mostly within 60 days (or the assigned period), some late.
        let answered_at = accepted_at + Duration::hours(rng.gen_range(24 * 5..24 * 75));
        let outcome = ["SUPPORTED", "EXPLAINED", "NOT_SUPPORTED"][rng.gen_range(0..3)];
        let answered = Answered {
            outcome: Outcome::parse(outcome).expect("a known outcome"),
            served_via: ServedVia::Post,
            notice: "已书面答复".to_owned(),
        };
        if !push(&mut case, EventKind::Answered, Some(CaseStatus::Answered), answered_at, to_payload(&answered)) {
            break 'story;
        }
        case.outcome = Some(outcome.to_owned());
        if rng.gen_bool(0.7) {
            let pick = |rng: &mut StdRng| {
                ["SATISFIED", "SATISFIED", "BASICALLY_SATISFIED", "DISSATISFIED"][rng.gen_range(0..4)]
            };
            let evaluation = json!({"bureau": pick(rng), "unit": pick(rng)});
            let evaluated_at = answered_at + Duration::hours(rng.gen_range(1..24 * 28));
            if push(&mut case, EventKind::Evaluated, None, evaluated_at, evaluation.clone()) {
                case.evaluation = Some(evaluation);
            }
        }
        // No review asked within 30 days of the answer: closed.
        push(
            &mut case,
            EventKind::Closed,
            Some(CaseStatus::Closed),
            answered_at + Duration::days(31),
            to_payload(&Closed { reason: ClosureReason::NoReviewRequested }),
        );
    }
    steps.sort_by_key(|s| s.at);
    (case, steps)
}
