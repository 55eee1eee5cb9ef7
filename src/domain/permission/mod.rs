//! Permission: what a caller may do to an object it can read (DOMAIN.md §2-§6). Every such decision in the product
//! is made in this module, and each one that allows a write returns an [`Authorized`] proof.
//!
//! The functions that write (the step engine, intake, escalations, supervision notices) take the proof as an
//! argument, and only this module can make one: a new mutation that forgot to ask does not compile. Reading is
//! governed by [`super::scope`] (which objects) and [`super::visibility`] (which of their parts).

use std::marker::PhantomData;

use super::organisation::{is_within, UnitKind};
use super::role::Role;
use super::scope::Caller;

mod administration;
mod cases;
mod oversight;
#[cfg(test)]
mod tests;

pub(crate) use administration::authorize_operator;
pub use administration::{
    authorize_administration, authorize_password_change, authorize_registration, authorize_session, may_administer,
    may_give_up_administration, TableOwner,
};
pub use cases::{
    authorize, authorize_attachment, authorize_booking, authorize_reception_desk, authorize_recording,
    authorize_submission, may_decide, may_escalate, may_reveal_contact, may_withdraw, CaseParties, EscalationParties,
    Operation,
};
pub use oversight::{
    authorize_notice, may_follow_cases, may_follow_cases_in, may_follow_notices_of, may_issue, may_see_figures,
    NoticeParties,
};

/// Proof that the rules of this module allowed the caller an act of kind `A`, and the role they act in (which the
/// history records). It can only be made here:
///
/// ```
/// use petition_api::domain::permission::{act, authorize_submission, Authorized};
/// # use petition_api::domain::{role::Role, scope::Caller};
/// # let caller = Caller { account_id: petition_api::domain::ids::AccountId::from_u128(0), username: "p".into(), display_name: "p".into(), roles: vec![Role::Petitioner],
/// #     unit: None, jurisdiction: None };
/// let proof: Authorized<act::Submit> = authorize_submission(&caller).unwrap();
/// assert_eq!(proof.role(), Role::Petitioner);
/// ```
///
/// Code outside the domain cannot make one up, neither through the constructor nor by spelling out the value:
///
/// ```compile_fail
/// use petition_api::domain::permission::{act, Authorized};
/// use petition_api::domain::role::Role;
/// let forged: Authorized<act::Submit> = Authorized::grant(Role::Petitioner);
/// ```
///
/// ```compile_fail
/// use petition_api::domain::permission::{act, Authorized};
/// use petition_api::domain::role::Role;
/// let forged: Authorized<act::Submit> =
///     Authorized { role: Role::Petitioner, object: None, act: std::marker::PhantomData };
/// ```
#[derive(Debug)]
#[must_use = "a permission is asked for in order to act on it"]
pub struct Authorized<A> {
    role: Role,
    /// The object it was granted for (a case, a notice), when it was granted for one: writers refuse it for any
    /// other.
    object: Option<uuid::Uuid>,
    /// A second object it was granted for, one that belongs to the first (an escalation of the case).
    part: Option<uuid::Uuid>,
    act: PhantomData<A>,
}

impl<A> Authorized<A> {
    fn grant(role: Role) -> Self {
        Authorized { role, object: None, part: None, act: PhantomData }
    }

    fn grant_on(role: Role, object: impl Into<uuid::Uuid>) -> Self {
        Authorized { role, object: Some(object.into()), part: None, act: PhantomData }
    }

    /// For `object` and one `part` of it (an escalation of the case): a step on the case and a write about that
    /// part, and nothing else.
    fn grant_on_part(role: Role, object: impl Into<uuid::Uuid>, part: impl Into<uuid::Uuid>) -> Self {
        Authorized { role, object: Some(object.into()), part: Some(part.into()), act: PhantomData }
    }

    /// The role the caller acts in.
    pub fn role(&self) -> Role {
        self.role
    }
}

/// A decision that allows a write: a caller's [`Authorized`] proof, or the service's own [`SystemWrite`]. The
/// writers of `crate::models` take one, so that nothing is written that nobody decided. Sealed: only this module
/// says what is a decision.
///
/// ```compile_fail
/// struct Anything;
/// impl petition_api::domain::permission::Decision for Anything {}
/// ```
pub trait Decision: sealed::Sealed {
    /// Whether it allows writing about `object`. A proof granted for one case does not allow a write about
    /// another, which the writers refuse:
    ///
    /// ```
    /// use petition_api::domain::permission::{authorize, CaseParties, Decision, Operation};
    /// # use petition_api::domain::{organisation::UnitKind, role::Role, scope::Caller};
    /// # use petition_api::domain::ids::CaseId;
    /// # let (a, b) = (CaseId::from_u128(1), CaseId::from_u128(2));
    /// # let clerk = Caller { account_id: petition_api::domain::ids::AccountId::from_u128(0), username: "c".into(), display_name: "c".into(),
    /// #     roles: vec![Role::Clerk], unit: Some((petition_api::domain::ids::UnitId::from_u128(9), UnitKind::Bureau)),
    /// #     jurisdiction: Some(("510502".into(), "510000/510500/510502/".into())) };
    /// let parties = CaseParties { case_id: a, jurisdiction_path: "510000/510500/510502/".into(),
    ///     current_unit_id: None, case_lead_account_id: None, petitioner_account_id: None };
    /// let proof = authorize(&clerk, Operation::Route, &parties).unwrap();
    /// assert!(proof.allows(a));
    /// assert!(!proof.allows(b));
    /// ```
    fn allows(&self, object: impl Into<uuid::Uuid>) -> bool;
}

impl<A> Decision for Authorized<A> {
    fn allows(&self, object: impl Into<uuid::Uuid>) -> bool {
        let object = object.into();
        self.object.is_none_or(|granted| granted == object) || self.part == Some(object)
    }
}

impl Decision for SystemWrite {
    fn allows(&self, _object: impl Into<uuid::Uuid>) -> bool {
        true
    }
}

mod sealed {
    pub trait Sealed {}
    impl<A> Sealed for super::Authorized<A> {}
    impl Sealed for super::SystemWrite {}
}

/// What the service writes on its own, with no caller: what the deadline sweep observed (a missed deadline, an
/// overdue notice, a lapsed review window, written as `SYSTEM`), the stored deadlines it backfills, and the bulk
/// loads of the data tools. Made only inside the crate, where each use is named:
///
/// ```compile_fail
/// let forged = petition_api::domain::permission::SystemWrite(());
/// ```
#[derive(Debug)]
pub struct SystemWrite(());

impl SystemWrite {
    /// The sweep, the backfill and the data tools ask for it; nothing that answers a caller does.
    pub(crate) fn new() -> SystemWrite {
        SystemWrite(())
    }
}

/// The kinds of acts a proof allows.
pub mod act {
    /// A step on a case ([`super::authorize`]).
    #[derive(Debug)]
    pub struct CaseStep;
    /// Submitting one's own petition ([`super::authorize_submission`]).
    #[derive(Debug)]
    pub struct Submit;
    /// Recording a petition received by a bureau ([`super::authorize_recording`]).
    #[derive(Debug)]
    pub struct Record;
    /// Raising a case to a joint conference or an urgent report, or withdrawing that ([`super::may_escalate`]).
    #[derive(Debug)]
    pub struct Escalate;
    /// Deciding an escalation ([`super::may_decide`]).
    #[derive(Debug)]
    pub struct DecideEscalation;
    /// Issuing a supervision notice ([`super::may_issue`]).
    #[derive(Debug)]
    pub struct IssueNotice;
    /// A step on a supervision notice ([`super::authorize_notice`]).
    #[derive(Debug)]
    pub struct ActOnNotice;
    /// Reading the portal figures of a jurisdiction ([`super::may_see_figures`]).
    #[derive(Debug)]
    pub struct SeeFigures;
    /// Seeing the petitioner's contact data in full ([`super::may_reveal_contact`]).
    #[derive(Debug)]
    pub struct RevealContact;
    /// Attaching a file to a case, or withdrawing one ([`super::authorize_attachment`]).
    #[derive(Debug)]
    pub struct Attach;
    /// Keeping a bureau's reception days: scheduling, publishing, cancelling sessions, recording visits
    /// ([`super::authorize_reception_desk`]). It files no case: a petition recorded at a session asks for
    /// [`Record`] itself.
    #[derive(Debug)]
    pub struct KeepReceptionDays;
    /// Booking a place at a reception session, or giving it up ([`super::authorize_booking`]).
    #[derive(Debug)]
    pub struct Book;
    /// Opening or rotating a session of one's own account ([`super::authorize_session`]).
    #[derive(Debug)]
    pub struct Session;
    /// Registering oneself as a petitioner ([`super::authorize_registration`]).
    #[derive(Debug)]
    pub struct Register;
    /// Changing one's own password, the current one given ([`super::authorize_password_change`]).
    #[derive(Debug)]
    pub struct OwnPassword;
    /// Creating or changing an account or unit ([`super::authorize_administration`]).
    #[derive(Debug)]
    pub struct Administer;

    /// The acts that file a new case. Keeping reception days is not one of them:
    ///
    /// ```compile_fail
    /// use petition_api::domain::permission::act;
    /// fn files<A: act::Files>() {}
    /// files::<act::KeepReceptionDays>();
    /// ```
    pub trait Files {}
    impl Files for Submit {}
    impl Files for Record {}

    /// The acts that write a step into a case's history.
    pub trait OnCase {}
    impl OnCase for CaseStep {}
    impl OnCase for Escalate {}
    impl OnCase for DecideEscalation {}
    impl OnCase for IssueNotice {}
    impl OnCase for Attach {}
}

fn staff_in(caller: &Caller, role: Role, kinds: &[UnitKind]) -> bool {
    caller.has_role(role) && caller.unit_kind().is_some_and(|k| kinds.contains(&k))
}

/// Whether the caller's jurisdiction is the one with `path` or above it.
fn covers(caller: &Caller, path: &str) -> bool {
    caller.jurisdiction_path().is_some_and(|p| is_within(path, p))
}
