//! Administration: accounts and units by admins, and the operator's commands.

use super::{act, Authorized};
use crate::domain::ids::AccountId;
use crate::domain::organisation::is_within;
use crate::domain::role::Role;
use crate::domain::scope::Caller;
use crate::error::{AppError, ErrorCode, Message};

/// Whether `caller` may administer what is placed in the jurisdiction with path `placed_at` (an account, a unit,
/// or where a new one goes), as DOMAIN.md §1-2 give it: an admin, inside its own jurisdiction's subtree. Since
/// everything an admin touches lies at its level or below, no admin can grant `ADMIN` above its own level.
/// Outside the subtree the object does not exist for the admin (`what` names it in the `NOT_FOUND`); a caller who
/// is no admin is `FORBIDDEN`.
pub fn authorize_administration(
    caller: &Caller,
    placed_at: &str,
    what: &str,
) -> Result<Authorized<act::Administer>, AppError> {
    may_administer(caller)?;
    match caller.jurisdiction_path() {
        Some(own) if is_within(placed_at, own) => Ok(Authorized::grant(Role::Admin)),
        _ => Err(AppError::not_found(what)),
    }
}

/// Whether `caller` administers anything at all: asked before the object is looked up, so that to anyone but an
/// admin every administrative operation is the same `FORBIDDEN`, whether or not the object exists.
pub fn may_administer(caller: &Caller) -> Result<(), AppError> {
    if caller.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::forbidden(Message::OnlyAdmins))
    }
}

/// That the one acting is connected to the database as the owner of its tables (or a superuser): more than any
/// admin may do. Made only inside the crate, from the database's own answer
/// (`services::administration::Operator::connect` asks it).
#[derive(Debug)]
pub struct TableOwner(());

impl TableOwner {
    /// The evidence, when the database said the connected role owns the tables.
    pub(crate) fn confirmed(owns_tables: bool) -> Option<TableOwner> {
        owns_tables.then_some(TableOwner(()))
    }
}

/// Whoever runs an administrative command of the binary (`create-admin`, `import-staff`) holds the database
/// owner's credentials, more than any admin has: the command acts with an admin's proof, and the log names it.
/// Only the crate can ask, with the evidence the database gave; code that links the library cannot:
///
/// ```compile_fail
/// use petition_api::domain::permission::authorize_operator;
/// let mint = authorize_operator;
/// ```
///
/// ```compile_fail
/// use petition_api::domain::permission::TableOwner;
/// let forged = TableOwner(());
/// ```
pub(crate) fn authorize_operator(_owner: &TableOwner) -> Authorized<act::Administer> {
    Authorized::grant(Role::Admin)
}

/// A session of an account opens (or rotates) for whoever presents credentials that hold: a matching password, or
/// a refresh token of the account that is unused, unrevoked, unexpired and of the account's current version.
/// `role` is the account's first.
pub fn authorize_session(role: Role, credentials_hold: bool) -> Option<Authorized<act::Session>> {
    credentials_hold.then(|| Authorized::grant(role))
}

/// Anyone may register as a petitioner (how often from one address is limited elsewhere); staff accounts are made
/// only by admins ([`authorize_administration`]) and the operator.
pub fn authorize_registration() -> Authorized<act::Register> {
    Authorized::grant(Role::Petitioner)
}

/// The holder of an account changes its password when they gave the current one (`current_password_matches`, the
/// hash's verdict), acting in `role`, the first of the account's roles.
pub fn authorize_password_change(
    role: Role,
    current_password_matches: bool,
) -> Result<Authorized<act::OwnPassword>, AppError> {
    if !current_password_matches {
        return Err(
            AppError::new(ErrorCode::Unauthenticated, Message::CurrentPasswordWrong).with_field("currentPassword")
        );
    }
    Ok(Authorized::grant(role))
}

/// Whether an admin change may take the `ADMIN` role away from an account (by deactivating it or by its new
/// roles): not when the admin does it to itself and is the last active admin of its jurisdiction, which would leave
/// the jurisdiction with nobody to administer it.
pub fn may_give_up_administration(
    caller: &Caller,
    subject: AccountId,
    other_active_admins: i64,
) -> Result<(), AppError> {
    if subject == caller.account_id && other_active_admins == 0 {
        return Err(AppError::forbidden(Message::LastActiveAdmin));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::organisation::UnitKind;
    use crate::domain::scope::{petitioner, staff};
    use crate::error::ErrorCode;

    const COUNTY: &str = "510000/510500/510502/";
    const CITY: &str = "510000/510500/";

    #[test]
    fn an_admin_administers_its_subtree_only() {
        let admin = staff(Role::Admin, UnitKind::Bureau, 1, CITY);
        assert!(authorize_administration(&admin, COUNTY, "unit").is_ok());
        assert!(authorize_administration(&admin, CITY, "unit").is_ok());
        let above = authorize_administration(&admin, "510000/", "unit").unwrap_err();
        assert_eq!(above.code, ErrorCode::NotFound);
        let sibling = authorize_administration(&admin, "510000/510600/", "unit").unwrap_err();
        assert_eq!(sibling.code, ErrorCode::NotFound);
        for caller in [staff(Role::Clerk, UnitKind::Bureau, 1, CITY), petitioner(3)] {
            assert_eq!(authorize_administration(&caller, COUNTY, "unit").unwrap_err().code, ErrorCode::Forbidden);
        }
    }

    #[test]
    fn the_last_admin_cannot_step_down_but_may_retire_another() {
        let admin = staff(Role::Admin, UnitKind::Bureau, 1, COUNTY);
        let other = AccountId::from_u128(99);
        assert_eq!(may_give_up_administration(&admin, admin.account_id, 0).unwrap_err().code, ErrorCode::Forbidden);
        assert!(may_give_up_administration(&admin, admin.account_id, 1).is_ok());
        assert!(may_give_up_administration(&admin, other, 0).is_ok());
    }
}
