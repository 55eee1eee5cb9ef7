//! The role × act rules of cases, figures, live feeds and notices.

use uuid::Uuid;

use super::*;
use crate::domain::escalation::EscalationKind;
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::EscalationId;
use crate::domain::ids::NoticeId;
use crate::domain::ids::UnitId;
use crate::domain::ids::{BookingId, ReceptionSessionId};
use crate::domain::organisation::UnitKind;
use crate::domain::role::Role;
use crate::domain::scope::{petitioner, staff};
use crate::domain::supervision::NoticeAction;
use crate::domain::visibility::CaseFacts;
use crate::error::ErrorCode;

const COUNTY: &str = "510000/510500/510502/";

fn parties() -> CaseParties {
    CaseParties {
        case_id: CaseId::from_u128(1000),
        jurisdiction_path: COUNTY.into(),
        current_unit_id: Some(UnitId::from_u128(5)),
        case_lead_account_id: Some(AccountId::from_u128(77)),
        petitioner_account_id: Some(AccountId::from_u128(99)),
    }
}

#[test]
fn a_proof_for_one_case_allows_writing_about_that_case_only() {
    let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
    let p = parties();
    let proof = authorize(&bureau, Operation::Route, &p).unwrap();
    assert!(proof.allows(p.case_id));
    assert!(!proof.allows(Uuid::from_u128(1001)));
    let escalate = may_escalate(&bureau, &p).unwrap();
    assert!(escalate.allows(p.case_id) && !escalate.allows(Uuid::from_u128(1001)));
    // A proof granted for no one object (a submission) is not bound.
    assert!(authorize_submission(&petitioner(1)).unwrap().allows(Uuid::from_u128(1001)));
}

#[test]
fn each_operation_has_its_actors() {
    let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
    let city_bureau = staff(Role::Clerk, UnitKind::Bureau, 2, "510000/510500/");
    let other_county = staff(Role::Clerk, UnitKind::Bureau, 3, "510000/510500/510503/");
    let unit_clerk = staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY);
    let other_unit = staff(Role::Clerk, UnitKind::HandlingUnit, 6, COUNTY);
    let mut lead = staff(Role::CaseLead, UnitKind::Bureau, 7, COUNTY);
    lead.account_id = AccountId::from_u128(77);
    let committee = staff(Role::CommitteeMember, UnitKind::Committee, 8, "510000/");
    let petitioner = petitioner(99);
    let p = parties();
    let ok = |c: &Caller, op| authorize(c, op, &p).is_ok();

    assert!(ok(&bureau, Operation::Route) && ok(&city_bureau, Operation::Route));
    assert!(!ok(&other_county, Operation::Route) && !ok(&unit_clerk, Operation::Route));
    assert!(ok(&unit_clerk, Operation::Respond) && !ok(&other_unit, Operation::Respond));
    assert!(!ok(&bureau, Operation::Respond));
    assert!(ok(&unit_clerk, Operation::Handle) && ok(&lead, Operation::Handle));
    assert!(!ok(&bureau, Operation::Handle) && !ok(&petitioner, Operation::Handle));
    assert!(ok(&lead, Operation::Extend) && !ok(&unit_clerk, Operation::Extend));
    assert!(ok(&committee, Operation::DesignateCaseLead) && ok(&bureau, Operation::DesignateCaseLead));
    assert!(!ok(&unit_clerk, Operation::DesignateCaseLead));
    assert!(ok(&lead, Operation::SetResolutionPlan) && !ok(&bureau, Operation::SetResolutionPlan));
    assert!(ok(&petitioner, Operation::PetitionerAct) && !ok(&bureau, Operation::PetitionerAct));
    assert_eq!(authorize(&lead, Operation::Handle, &p).unwrap().role(), Role::CaseLead);
    let err = authorize(&unit_clerk, Operation::Route, &p).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

#[test]
fn figures_are_for_bureau_and_committee_staff_over_the_subtree() {
    let committee = staff(Role::CommitteeMember, UnitKind::Committee, 8, "510000/");
    let sees = |c: &Caller, path: &str| may_see_figures(c, path).is_ok();
    assert!(sees(&committee, COUNTY) && sees(&committee, "510000/"));
    let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
    assert!(sees(&bureau, COUNTY) && !sees(&bureau, "510000/510500/"));
    assert!(!sees(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), COUNTY));
    assert!(!sees(&staff(Role::Admin, UnitKind::Bureau, 1, COUNTY), COUNTY));
}

#[test]
fn live_feeds_follow_the_jurisdiction_and_the_unit() {
    let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
    assert!(may_follow_cases_in(&bureau, COUNTY).is_ok());
    assert!(may_follow_cases_in(&bureau, "510000/510500/").is_err());
    assert!(may_follow_cases_in(&petitioner(3), COUNTY).is_err());
    let unit = UnitId::from_u128(5);
    assert!(may_follow_notices_of(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), unit, COUNTY).is_ok());
    assert!(may_follow_notices_of(&staff(Role::Clerk, UnitKind::HandlingUnit, 6, COUNTY), unit, COUNTY).is_err());
    assert!(may_follow_notices_of(&bureau, unit, COUNTY).is_ok());
    assert!(may_follow_notices_of(&bureau, unit, "510000/510500/510503/").is_err());
}

#[test]
fn petitioners_submit_and_bureau_clerks_record() {
    assert_eq!(authorize_submission(&petitioner(1)).unwrap().role(), Role::Petitioner);
    let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
    assert_eq!(authorize_submission(&bureau).unwrap_err().code, ErrorCode::Forbidden);
    assert_eq!(authorize_recording(&bureau, COUNTY).unwrap().role(), Role::Clerk);
    assert!(authorize_recording(&bureau, "510000/510500/510503/").is_err());
    assert!(authorize_recording(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), COUNTY).is_err());
}

#[test]
fn contact_is_revealed_to_case_workers_who_may_know_the_petitioner() {
    let case = CaseFacts { petitioner_account_id: None, category: None, is_anonymous: false };
    assert!(may_reveal_contact(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &case).is_ok());
    assert!(may_reveal_contact(&staff(Role::Admin, UnitKind::Bureau, 1, COUNTY), &case).is_err());
    let anonymous = CaseFacts { is_anonymous: true, ..case };
    assert!(may_reveal_contact(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &anonymous).is_err());
}

#[test]
fn each_escalation_has_its_deciders() {
    let committee = staff(Role::CommitteeMember, UnitKind::Committee, 1, "510000/510500/");
    let bureau = staff(Role::Clerk, UnitKind::Bureau, 2, "510000/510500/");
    let to = |kind, to_code| EscalationParties {
        escalation_id: EscalationId::from_u128(3001),
        case_id: CaseId::from_u128(3002),
        kind,
        to_code,
        requested_by: None,
    };
    let decided = may_decide(&committee, &to(EscalationKind::JointConference, "510500")).unwrap();
    assert!(decided.allows(Uuid::from_u128(3001)) && decided.allows(Uuid::from_u128(3002)));
    assert!(!decided.allows(Uuid::from_u128(3003)), "bound to its escalation and case");
    assert!(may_decide(&bureau, &to(EscalationKind::JointConference, "510500")).is_err());
    assert!(may_decide(&committee, &to(EscalationKind::JointConference, "510000")).is_err());
    assert!(may_decide(&bureau, &to(EscalationKind::UrgentReport, "510500")).is_ok());
    assert!(may_decide(&bureau, &to(EscalationKind::Review, "510500")).is_ok());
    assert!(may_decide(&committee, &to(EscalationKind::Review, "510500")).is_err());
}

#[test]
fn only_the_requester_withdraws_and_not_reviews() {
    let me = staff(Role::Clerk, UnitKind::Bureau, 2, COUNTY);
    let p = parties();
    let asked = |kind, requested_by| EscalationParties {
        escalation_id: EscalationId::from_u128(3001),
        case_id: p.case_id,
        kind,
        to_code: "510500",
        requested_by,
    };
    let mine = Some(me.account_id);
    let withdrawn = may_withdraw(&me, &asked(EscalationKind::JointConference, mine), &p).unwrap();
    assert!(withdrawn.allows(Uuid::from_u128(3001)) && withdrawn.allows(p.case_id));
    assert!(!withdrawn.allows(Uuid::from_u128(3003)));
    let other =
        may_withdraw(&me, &asked(EscalationKind::UrgentReport, Some(AccountId::from_u128(99))), &p).unwrap_err();
    assert_eq!(other.code, ErrorCode::Forbidden);
    let review = may_withdraw(&me, &asked(EscalationKind::Review, mine), &p).unwrap_err();
    assert_eq!(review.code, ErrorCode::InvalidTransition);
}

#[test]
fn covering_staff_and_the_lead_escalate() {
    let p = CaseParties { petitioner_account_id: None, ..parties() };
    assert!(may_escalate(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &p).is_ok());
    assert!(may_escalate(&staff(Role::CommitteeMember, UnitKind::Committee, 8, "510000/"), &p).is_ok());
    assert!(may_escalate(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), &p).is_err());
    let mut lead = staff(Role::CaseLead, UnitKind::HandlingUnit, 5, COUNTY);
    lead.account_id = AccountId::from_u128(77);
    assert_eq!(may_escalate(&lead, &p).unwrap().role(), Role::CaseLead);
}

#[test]
fn issuers_are_committee_members_or_bureau_clerks_at_or_above() {
    let issue = |c: &Caller, path: &str| may_issue(c, path, "input.targetUnitId").map(|p| p.role());
    let committee = staff(Role::CommitteeMember, UnitKind::Committee, 1, "510000/");
    assert_eq!(issue(&committee, COUNTY).unwrap(), Role::CommitteeMember);
    assert_eq!(issue(&staff(Role::Clerk, UnitKind::Bureau, 2, COUNTY), COUNTY).unwrap(), Role::Clerk);
    let neighbour = issue(&staff(Role::Clerk, UnitKind::Bureau, 3, "510000/510500/510503/"), COUNTY).unwrap_err();
    assert_eq!((neighbour.code, neighbour.field.as_deref()), (ErrorCode::BadUserInput, Some("input.targetUnitId")));
    let unit_clerk = issue(&staff(Role::Clerk, UnitKind::HandlingUnit, 4, COUNTY), COUNTY).unwrap_err();
    assert_eq!(unit_clerk.code, ErrorCode::Forbidden);
    assert!(issue(&staff(Role::CaseLead, UnitKind::Bureau, 5, COUNTY), COUNTY).is_err());
    // Below the target's level is not enough.
    assert!(issue(&staff(Role::Clerk, UnitKind::Bureau, 6, COUNTY), "510000/510500/").is_err());
}

#[test]
fn the_target_answers_and_the_issuer_closes() {
    let parties = NoticeParties {
        notice_id: NoticeId::from_u128(2000),
        target_unit_id: UnitId::from_u128(5),
        issuer_unit_id: UnitId::from_u128(1),
    };
    let unit_clerk = staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY);
    let unit_lead = staff(Role::CaseLead, UnitKind::HandlingUnit, 5, COUNTY);
    let other_unit = staff(Role::Clerk, UnitKind::HandlingUnit, 6, COUNTY);
    let issuer = staff(Role::CommitteeMember, UnitKind::Committee, 1, "510000/");
    for action in [NoticeAction::Acknowledge, NoticeAction::Respond] {
        assert!(authorize_notice(&unit_clerk, action, &parties).is_ok());
        assert!(authorize_notice(&unit_lead, action, &parties).is_ok());
        assert!(authorize_notice(&other_unit, action, &parties).is_err());
        assert!(authorize_notice(&issuer, action, &parties).is_err());
    }
    for action in [NoticeAction::Close, NoticeAction::Reopen] {
        assert!(authorize_notice(&issuer, action, &parties).is_ok());
        assert_eq!(authorize_notice(&unit_clerk, action, &parties).unwrap_err().code, ErrorCode::Forbidden);
    }
    // The proof is for this notice alone.
    let proof = authorize_notice(&unit_clerk, NoticeAction::Acknowledge, &parties).unwrap();
    assert!(proof.allows(parties.notice_id) && !proof.allows(Uuid::from_u128(2001)));
}

#[test]
fn the_desks_and_a_petitioners_proofs_are_for_one_session() {
    let (a, b) = (ReceptionSessionId::from_u128(1), ReceptionSessionId::from_u128(2));
    let clerk = staff(Role::Clerk, UnitKind::Bureau, 1, "510000/510500/");
    let desk = authorize_reception_desk(&clerk, "510000/510500/510502/", a).unwrap();
    assert!(desk.allows(a) && !desk.allows(b));
    assert!(authorize_reception_desk(&clerk, "510000/510600/", a).is_err(), "another city's days");

    let p = petitioner(7);
    let place = authorize_booking(&p, a, None).unwrap();
    assert!(place.allows(a) && !place.allows(b));
    let (mine, other) = (BookingId::from_u128(3), BookingId::from_u128(4));
    let giving_up = authorize_booking(&p, a, Some(mine)).unwrap();
    assert!(giving_up.allows(a) && giving_up.allows(mine) && !giving_up.allows(other) && !giving_up.allows(b));
    assert!(authorize_booking(&clerk, a, None).is_err(), "staff schedule, petitioners book");
}
