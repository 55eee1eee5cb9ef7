//! Oversight: portal figures, live feeds, and supervision notices.

use super::{act, covers, staff_in, Authorized};
use crate::domain::ids::NoticeId;
use crate::domain::ids::UnitId;
use crate::domain::organisation::UnitKind;
use crate::domain::role::Role;
use crate::domain::scope::Caller;
use crate::domain::supervision::NoticeAction;
use crate::error::{AppError, Message};

/// Whether `caller` may see the portal figures of the jurisdiction with path `path`: bureau and committee staff
/// (clerks, case leads, committee members) whose jurisdiction covers it. Figures describe whole subtrees, so staff
/// of one handling unit do not get them.
pub fn may_see_figures(caller: &Caller, path: &str) -> Result<Authorized<act::SeeFigures>, AppError> {
    [Role::Clerk, Role::CaseLead, Role::CommitteeMember]
        .into_iter()
        .find(|r| staff_in(caller, *r, &[UnitKind::Bureau, UnitKind::Committee]))
        .filter(|_| covers(caller, path))
        .map(Authorized::grant)
        .ok_or_else(|| AppError::forbidden(Message::FiguresForStaff))
}

/// Whether `caller` may follow live feeds of cases at all (staff dashboards), before any jurisdiction is named.
pub fn may_follow_cases(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden(Message::LiveEventsForStaff))
    }
}

/// Whether `caller` may follow live the changes of every case in the subtree of the jurisdiction with path `path`
/// (a staff dashboard): staff whose own jurisdiction covers it. Each change is then still delivered only if the
/// caller may read its case.
pub fn may_follow_cases_in(caller: &Caller, path: &str) -> Result<(), AppError> {
    may_follow_cases(caller)?;
    if !covers(caller, path) {
        return Err(AppError::forbidden(Message::JurisdictionOutside));
    }
    Ok(())
}

/// Whether `caller` may follow live the supervision notices of the unit `unit_id` (whose jurisdiction has path
/// `unit_path`): its own staff, and bureau and committee staff whose jurisdiction covers it.
pub fn may_follow_notices_of(caller: &Caller, unit_id: UnitId, unit_path: &str) -> Result<(), AppError> {
    let own = caller.unit.map(|(id, _)| id) == Some(unit_id);
    let over = matches!(caller.unit_kind(), Some(UnitKind::Bureau | UnitKind::Committee)) && covers(caller, unit_path);
    if own || over {
        Ok(())
    } else {
        Err(AppError::forbidden(Message::OnlyUnitStaff))
    }
}

/// Who may issue a notice to a unit whose jurisdiction has path `target_path`: a committee member or a bureau clerk
/// at that jurisdiction or above. A unit outside their jurisdiction is bad input, naming `field`.
pub fn may_issue(caller: &Caller, target_path: &str, field: &str) -> Result<Authorized<act::IssueNotice>, AppError> {
    let role = if staff_in(caller, Role::CommitteeMember, &[UnitKind::Committee]) {
        Role::CommitteeMember
    } else if staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) {
        Role::Clerk
    } else {
        return Err(AppError::forbidden(Message::OnlyStaffIssueNotices));
    };
    if !covers(caller, target_path) {
        return Err(AppError::bad_input(field, Message::UnitOutside));
    }
    Ok(Authorized::grant(role))
}

/// The units a notice joins.
#[derive(Clone, Copy, Debug)]
pub struct NoticeParties {
    /// The notice: proofs granted over it are for it alone.
    pub notice_id: NoticeId,
    pub target_unit_id: UnitId,
    pub issuer_unit_id: UnitId,
}

/// Who may take `action` on a notice: the target unit's clerks and case leads acknowledge and respond; the issuing
/// unit's committee members and clerks close and reopen.
pub fn authorize_notice(
    caller: &Caller,
    action: NoticeAction,
    parties: &NoticeParties,
) -> Result<Authorized<act::ActOnNotice>, AppError> {
    let unit = caller.unit.map(|(id, _)| id);
    let (unit_needed, roles, who): (UnitId, &[Role], &str) = match action {
        NoticeAction::Acknowledge | NoticeAction::Respond => {
            (parties.target_unit_id, &[Role::Clerk, Role::CaseLead], "the target unit's clerks and case leads")
        }
        NoticeAction::Close | NoticeAction::Reopen => {
            (parties.issuer_unit_id, &[Role::CommitteeMember, Role::Clerk], "the issuing unit")
        }
    };
    if unit == Some(unit_needed) {
        if let Some(role) = roles.iter().find(|r| caller.has_role(**r)) {
            return Ok(Authorized::grant_on(*role, parties.notice_id));
        }
    }
    Err(AppError::forbidden(Message::OnlyMay(who.to_string())))
}
