//! The demo data set (development mode only): the regions of `data/demo/`, a bureau, a committee and handling
//! units per jurisdiction, one account per role, and the demo cases with their histories.
//!
//! The files are compiled into the binary, so the server needs nothing beside itself. Loading is one transaction
//! and happens once: a database that already has the demo admin is left alone.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::config::Settings;
use crate::domain::ids::AccountId;
use crate::domain::ids::UnitId;
use crate::domain::permission::SystemWrite;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

use crate::auth::password;
use crate::domain::case::{
    case_reference, new_query_code, CaseStatus, Category, Channel, ClosureReason, EventKind, Outcome, Routing,
    ServedVia,
};
use crate::domain::credentials::Password;
use crate::domain::details::{to_payload, Answered, LeadDesignated, Received, Routed, Told};
use crate::domain::organisation::{JurisdictionLevel, UnitKind};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::case_event::{self, CaseEntry, NewCaseEvent};
use crate::models::{account, case, unit};

const REGIONS: &str = include_str!("../data/demo/regions.csv");
const TOWNSHIPS: &str = include_str!("../data/demo/townships.csv");
const CASES: &str = include_str!("../data/demo/demo-cases.json");
/// Cases made up for the README's walk-throughs (a case already overdue at 江阳区住房和城乡建设局, say), kept apart
/// from the shared demo data, which stays as given.
const WALKTHROUGH_CASES: &str = include_str!("../data/demo/walkthrough-cases.json");

pub const DEMO_PASSWORD: &str = "demo-password";

/// Where a member of staff sits: jurisdiction code and unit (`BUREAU`, `COMMITTEE`, or a department's name).
type Placement = Option<(&'static str, &'static str)>;

/// The demo accounts: username, display name, role, placement.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, Placement)] = &[
    ("demo.petitioner", "黄某梅", Role::Petitioner, None),
    ("demo.clerk", "江阳区信访局 工作人员", Role::Clerk, Some(("510502", "BUREAU"))),
    ("demo.lead", "江阳区 包案领导", Role::CaseLead, Some(("510502", "BUREAU"))),
    ("demo.committee", "四川省联席会议 成员", Role::CommitteeMember, Some(("510000", "COMMITTEE"))),
    ("demo.admin", "江阳区 系统管理员", Role::Admin, Some(("510502", "BUREAU"))),
    // The people the demo stories need besides: the handling unit's clerk, and the levels that decide reviews.
    ("demo.unit", "江阳区住建局 工作人员", Role::Clerk, Some(("510502", "住房和城乡建设局"))),
    ("demo.city", "泸州市信访局 工作人员", Role::Clerk, Some(("510500", "BUREAU"))),
    ("demo.province", "四川省信访局 工作人员", Role::Clerk, Some(("510000", "BUREAU"))),
    // A committee member at the city, to decide what a county of 泸州 puts to the joint conference; and a second
    // county's staff, to try what one county may not see of another.
    ("demo.city.committee", "泸州市联席会议 成员", Role::CommitteeMember, Some(("510500", "COMMITTEE"))),
    ("demo.naxi.clerk", "纳溪区信访局 工作人员", Role::Clerk, Some(("510503", "BUREAU"))),
    ("demo.naxi.unit", "纳溪区住建局 工作人员", Role::Clerk, Some(("510503", "住房和城乡建设局"))),
];

/// Handling units every province, city and county has at its own level.
const DEPARTMENTS: &[&str] = &["住房和城乡建设局", "人力资源和社会保障局", "自然资源局"];

#[derive(Deserialize)]
struct DemoFile {
    cases: Vec<DemoCase>,
}

#[derive(Deserialize)]
struct DemoCase {
    jurisdiction: String,
    township: Option<String>,
    petitioner: String,
    #[serde(default)]
    anonymous: bool,
    channel: Channel,
    category: Category,
    title: String,
    content: String,
    submitted_on: Option<NaiveDate>,
    #[serde(default)]
    backlog: bool,
    group_size: Option<i32>,
    handling_days: Option<i32>,
    timeline: Vec<DemoStep>,
    evaluation: Option<serde_json::Value>,
    closure: Option<ClosureReason>,
}

#[derive(Deserialize)]
struct DemoStep {
    on: Option<NaiveDate>,
    what: String,
    outcome: Option<Outcome>,
    note: Option<String>,
}

/// Loads the demo data unless it is there already. Returns whether it loaded anything.
pub fn load_if_absent(conn: &mut PgConnection, settings: &Settings, today: NaiveDate) -> AppResult<bool> {
    if account::find_by_username(conn, "demo.admin")?.is_some() {
        return Ok(false);
    }
    let password = Password::parse_new(DEMO_PASSWORD, "password")?;
    let hashes: Vec<String> = DEMO_ACCOUNTS.iter().map(|_| password::hash(&password)).collect::<AppResult<_>>()?;
    conn.transaction(|conn| load(conn, settings, today, &hashes))?;
    crate::db::analyze(conn)?;
    tracing::info!("demo data loaded");
    Ok(true)
}

fn load(conn: &mut PgConnection, settings: &Settings, today: NaiveDate, hashes: &[String]) -> AppResult<()> {
    let mut names = HashMap::new();
    for csv in [REGIONS, TOWNSHIPS] {
        for (code, name, level) in
            crate::services::administration::onboarding::regions(conn, &SystemWrite::new(), csv)?.regions
        {
            names.insert(code, (name, level));
        }
    }

    // Units: bureau, committee and departments at every level down to counties; a government per township.
    let mut units: HashMap<(String, &str), UnitId> = HashMap::new();
    let insert = |conn: &mut PgConnection, code: &str, kind: UnitKind, name: String| {
        unit::insert(conn, &SystemWrite::new(), code, kind, &name)?
            .ok_or_else(|| AppError::internal(format!("demo unit {name} exists")))
    };
    let mut codes: Vec<&String> = names.keys().collect();
    codes.sort();
    for code in codes {
        let (name, level) = &names[code];
        if *level == JurisdictionLevel::Township {
            let u = insert(conn, code, UnitKind::HandlingUnit, format!("{name}人民政府"))?;
            units.insert((code.clone(), "政府"), u.id);
            continue;
        }
        let bureau = insert(conn, code, UnitKind::Bureau, format!("{name}信访局"))?;
        units.insert((code.clone(), "BUREAU"), bureau.id);
        let committee = insert(conn, code, UnitKind::Committee, format!("{name}信访工作联席会议"))?;
        units.insert((code.clone(), "COMMITTEE"), committee.id);
        for dept in DEPARTMENTS {
            let u = insert(conn, code, UnitKind::HandlingUnit, format!("{name}{dept}"))?;
            units.insert((code.clone(), dept), u.id);
        }
    }

    let mut account_ids = HashMap::new();
    for ((username, display, role, place), hash) in DEMO_ACCOUNTS.iter().zip(hashes) {
        let unit_id = place.map(|(code, unit)| units[&(code.to_string(), unit)]);
        let new = account::NewAccount {
            username,
            password_hash: hash,
            display_name: display,
            roles: &[*role],
            unit_id,
            jurisdiction_code: place.map(|(code, _)| code),
            temporary_password: false,
        };
        let created = account::insert(conn, &SystemWrite::new(), &new)?
            .ok_or_else(|| AppError::internal("demo account exists"))?;
        account_ids.insert(*username, created.id);
    }

    let mut cases = Vec::new();
    for file in [CASES, WALKTHROUGH_CASES] {
        cases.extend(serde_json::from_str::<DemoFile>(file).map_err(AppError::internal)?.cases);
    }
    // The leader who takes charge of a story's case: 江阳区's demo lead, elsewhere a lead of the county's own
    // (`demo.lead.<code>`, signing in with the demo password like every demo account).
    let lead_hash = DEMO_ACCOUNTS.iter().zip(hashes).find(|((u, ..), _)| *u == "demo.lead").map(|(_, h)| h);
    let mut leads: HashMap<String, Lead> = HashMap::new();
    leads.insert("510502".to_owned(), Lead { id: account_ids["demo.lead"], name: "江阳区 包案领导".to_owned() });
    for demo in cases.iter().filter(|c| c.timeline.iter().any(|s| s.what == "CASE_LEAD_ASSIGNED")) {
        if leads.contains_key(&demo.jurisdiction) {
            continue;
        }
        let name = format!("{} 包案领导", names[&demo.jurisdiction].0);
        let username = format!("demo.lead.{}", demo.jurisdiction);
        let new = account::NewAccount {
            username: &username,
            password_hash: lead_hash.ok_or_else(|| AppError::internal("no demo lead"))?,
            display_name: &name,
            roles: &[Role::CaseLead],
            unit_id: Some(units[&(demo.jurisdiction.clone(), "BUREAU")]),
            jurisdiction_code: Some(&demo.jurisdiction),
            temporary_password: false,
        };
        let created =
            account::insert(conn, &SystemWrite::new(), &new)?.ok_or_else(|| AppError::internal("demo lead exists"))?;
        leads.insert(demo.jurisdiction.clone(), Lead { id: created.id, name });
    }
    for (index, demo) in cases.iter().enumerate() {
        load_case(conn, demo, index, settings, today, &units, &account_ids, leads.get(&demo.jurisdiction))?;
    }
    Ok(())
}

/// A leader who takes charge of demo cases (包案领导).
struct Lead {
    id: AccountId,
    name: String,
}

/// kind, from, to, day, note, payload
type DemoEvent = (String, Option<CaseStatus>, Option<CaseStatus>, NaiveDate, Option<String>, serde_json::Value);

/// Appends a demo event, moving `status` along when the event is a transition.
fn push(
    events: &mut Vec<DemoEvent>,
    kind: &str,
    to: Option<CaseStatus>,
    status: &mut CaseStatus,
    day: NaiveDate,
    note: Option<String>,
    payload: serde_json::Value,
) {
    let from = to.map(|_| *status);
    if let Some(to) = to {
        *status = to;
    }
    events.push((kind.to_owned(), from, to, day, note, payload));
}

/// 09:00 local time on `day`: demo dates carry no time of day.
fn morning(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    tz.from_local_datetime(&day.and_hms_opt(9, 0, 0).expect("valid time")).single().expect("no DST").with_timezone(&Utc)
}

#[allow(clippy::too_many_arguments)]
fn load_case(
    conn: &mut PgConnection,
    demo: &DemoCase,
    index: usize,
    settings: &Settings,
    today: NaiveDate,
    units: &HashMap<(String, &str), UnitId>,
    accounts: &HashMap<&str, AccountId>,
    lead: Option<&Lead>,
) -> AppResult<()> {
    let tz = settings.time_zone;
    let ends_open = !demo.timeline.iter().any(|s| matches!(s.what.as_str(), "ANSWERED" | "ROUTED_OUT"));
    // Undated cases: an open one arrived three weeks ago, so the demo shows live deadlines, some of them already
    // missed (the overdue lists and the sweep have something to show); a finished one in 2023.
    let first_dated = demo.timeline.iter().find_map(|s| s.on);
    let received_on = demo.submitted_on.or(first_dated.map(|d| d - Duration::days(7))).unwrap_or(if ends_open {
        today - Duration::days(20)
    } else {
        NaiveDate::from_ymd_opt(2023, 3, 1).expect("date") + Duration::days(9 * index as i64)
    });
    let year = chrono::Datelike::year(&received_on);
    let serial = case::next_serial(conn, &demo.jurisdiction, year)?;
    let reference = case_reference(&demo.jurisdiction, year, serial as u32);

    // The handling unit: the township government where there is one, else a county department by subject.
    let unit_id = match &demo.township {
        Some(t) => units[&(t.clone(), "政府")],
        None if demo.title.contains("工资") || demo.title.contains("工钱") => {
            units[&(demo.jurisdiction.clone(), "人力资源和社会保障局")]
        }
        None => units[&(demo.jurisdiction.clone(), "住房和城乡建设局")],
    };
    let in_jiangyang = demo.jurisdiction == "510502";
    let petitioner_account = in_jiangyang.then(|| accounts["demo.petitioner"]);
    let clerk = in_jiangyang.then(|| accounts["demo.clerk"]);

    // Replay the story as events, filling in the steps the news reports leave out (marked `implied`).
    let mut events: Vec<DemoEvent> = Vec::new();
    let mut status = CaseStatus::Submitted;
    let mut day = received_on;
    let mut routed = false;
    let received = to_payload(&Received { channel: demo.channel });
    events.push(("SUBMITTED".to_owned(), None, Some(CaseStatus::Submitted), day, None, received));
    // The entries carry the details the API itself writes for each kind (`domain::details`), so that the
    // history reads the same whoever wrote it; `implied` marks the steps the stories leave out.
    let unit_name = unit::find(conn, unit_id)?.map(|u| u.name).unwrap_or_default();
    let route_and_accept = |events: &mut Vec<DemoEvent>, status: &mut CaseStatus, day: NaiveDate, assigned: bool| {
        let kind = if assigned { "ASSIGNED" } else { "FORWARDED" };
        let to = if assigned { CaseStatus::Assigned } else { CaseStatus::Forwarded };
        // The handling period set on assignment is what the answer deadline runs by (Art 34).
        let routed = Routed {
            unit_id,
            unit_name: unit_name.clone(),
            handling_days: demo.handling_days.filter(|_| assigned),
            notice: format!("已转交{unit_name}办理"),
        };
        push(events, kind, Some(to), status, day, None, implied(to_payload(&routed), !assigned));
        let accepted = implied(to_payload(&Told { notice: "已受理".to_owned() }), true);
        push(events, "ACCEPTED", Some(CaseStatus::Accepted), status, day, None, accepted);
        push(
            events,
            "CLASSIFIED",
            Some(CaseStatus::InProgress),
            status,
            day,
            None,
            json!({"category": demo.category, "implied": true}),
        );
    };
    if demo.handling_days.is_some() {
        day += Duration::days(1);
        route_and_accept(&mut events, &mut status, day, true);
        routed = true;
    }
    for step in &demo.timeline {
        day = step.on.unwrap_or(day + Duration::days(3));
        let note = step.note.clone();
        match step.what.as_str() {
            "ASSIGNED" => {
                route_and_accept(&mut events, &mut status, day, true);
                events.last_mut().expect("event").4 = None;
                let n = events.len();
                events[n - 3].4 = note;
                routed = true;
            }
            "ANSWERED" => {
                if !routed {
                    route_and_accept(&mut events, &mut status, day, false);
                    routed = true;
                }
                // The story's words are the handling opinion: what the petitioner and tracking read, as an
                // answer through the API records it.
                let outcome = step
                    .outcome
                    .ok_or_else(|| AppError::internal(format!("demo story {index}: an answer without an outcome")))?;
                let notice = note.unwrap_or_default();
                let answered = Answered { outcome, served_via: ServedVia::InPerson, notice };
                push(
                    &mut events,
                    "ANSWERED",
                    Some(CaseStatus::Answered),
                    &mut status,
                    day,
                    None,
                    to_payload(&answered),
                );
            }
            "ROUTED_OUT" => {
                let told = to_payload(&Told { notice: note.unwrap_or_default() });
                push(&mut events, "ROUTED_OUT", Some(CaseStatus::RoutedOut), &mut status, day, None, told)
            }
            "CASE_LEAD_ASSIGNED" => {
                let lead = lead.ok_or_else(|| AppError::internal(format!("demo story {index}: no lead")))?;
                let designated =
                    LeadDesignated { lead_id: lead.id, lead_name: lead.name.clone(), reception_session_id: None };
                push(&mut events, "CASE_LEAD_DESIGNATED", None, &mut status, day, note, to_payload(&designated))
            }
            "VISIT" | "HOME_VISIT" => push(&mut events, "HOME_VISIT", None, &mut status, day, note, json!({})),
            other => push(&mut events, other, None, &mut status, day, note, json!({})),
        }
    }
    if let Some(evaluation) = &demo.evaluation {
        day += Duration::days(2);
        push(&mut events, "EVALUATED", None, &mut status, day, None, evaluation.clone());
    }
    if demo.closure.is_some() {
        push(&mut events, "CLOSED", Some(CaseStatus::Closed), &mut status, day, None, json!({"reason": demo.closure}));
    }

    let query_code = new_query_code(&mut rand::thread_rng());
    let hash = crate::auth::token::stored_query_code(&settings.query_codes, &query_code);
    let created = case::insert(
        conn,
        &SystemWrite::new(),
        &case::NewCase {
            id: crate::domain::ids::CaseId::new_v4(),
            reference: &reference,
            query_code_hash: &hash,
            jurisdiction_code: &demo.jurisdiction,
            township_code: demo.township.as_deref(),
            status,
            channel: demo.channel,
            category: Some(demo.category),
            title: &demo.title,
            content: &demo.content,
            petitioner_name: &demo.petitioner,
            petitioner_account_id: petitioner_account,
            is_anonymous: demo.anonymous,
            group_size: demo.group_size.unwrap_or(1),
            handling: case::Handling {
                current_unit_id: routed.then_some(unit_id),
                routing: routed.then_some(Routing::Assigned),
                handling_days: demo.handling_days,
                // The lead the story designated, as the designation step leaves it.
                case_lead_account_id: lead
                    .filter(|_| events.iter().any(|e| e.0 == "CASE_LEAD_DESIGNATED"))
                    .map(|l| l.id),
                is_backlog: demo.backlog,
            },
            received_at: morning(tz, received_on),
            repeat_of_case_id: None,
            representatives: json!([]),
            // Where a routed-out petitioner was told to go, as the API records it.
            disposition_note: demo.timeline.iter().find(|s| s.what == "ROUTED_OUT").and_then(|s| s.note.as_deref()),
            petitioner_phone: None,
            petitioner_id_number: None,
            next_due_at: None,
            received_level: crate::domain::case::ReceivedLevel::Local,
            received_by_code: None,
        },
    )?;
    for (kind, from, to, on, note, payload) in &events {
        let kind = EventKind::parse(kind)
            .ok_or_else(|| AppError::internal(format!("the demo data names an unknown event {kind}")))?;
        // The petitioner's own acts are the petitioner's; the rest the bureau's (the stories name no other actor).
        let petitioners_act = matches!(
            kind,
            EventKind::Submitted | EventKind::Evaluated | EventKind::ReviewRequested | EventKind::Withdrawn
        );
        let (actor, role) = if petitioners_act { (petitioner_account, Role::Petitioner) } else { (clerk, Role::Clerk) };
        case_event::append(
            conn,
            &SystemWrite::new(),
            &NewCaseEvent {
                case_id: created.id,
                jurisdiction_code: &demo.jurisdiction,
                entry: CaseEntry {
                    actor_role: actor.map(|_| role.into()),
                    ..CaseEntry::new(kind, (actor, role.into()), morning(tz, *on))
                }
                .moving(*from, *to)
                .saying(note.clone(), payload.clone()),
                staff_only: false,
            },
        )?;
    }
    // What the story ended with, on the case row as a step would have left it (the portal figures read it there).
    let outcome = demo.timeline.iter().rev().find(|s| s.what == "ANSWERED").and_then(|s| s.outcome);
    let ended =
        case::CaseUpdate { outcome: Some(outcome), evaluation: Some(demo.evaluation.clone()), ..Default::default() };
    case::apply_update(conn, &SystemWrite::new(), created.id, &ended, None, created.created_at)?;
    crate::services::case_work::history::store_next_due(
        conn,
        &settings.rules,
        &settings.calendar(),
        created.id,
        &created.jurisdiction_code,
    )?;
    Ok(())
}

/// `payload` marked as a step the story leaves out, when it is one.
fn implied(mut payload: serde_json::Value, implied: bool) -> serde_json::Value {
    if let Some(fields) = payload.as_object_mut() {
        fields.insert("implied".to_owned(), serde_json::Value::Bool(implied));
    }
    payload
}
