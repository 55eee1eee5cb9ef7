//! The roles of DOMAIN.md §1, as carried in access tokens and stored on accounts.

text_enum! {
    /// What a user may do. A user may hold several roles.
    Role {
        /// 信访人: a citizen or organisation raising a matter.
        Petitioner => "PETITIONER",
        /// 信访工作人员: staff of a letters-and-visits bureau or of a handling unit.
        Clerk => "CLERK",
        /// 包案领导: a leading cadre who personally takes charge of hard cases (Art 18).
        CaseLead => "CASE_LEAD",
        /// 联席会议成员: member of the joint conference that coordinates and supervises.
        CommitteeMember => "COMMITTEE_MEMBER",
        /// Manages accounts and units inside its own jurisdiction.
        Admin => "ADMIN",
    }
}

text_enum! {
    /// The role in which an entry of a history was written: one of the roles, or the system itself (the deadline
    /// sweep).
    ActorRole {
        /// 信访人.
        Petitioner => "PETITIONER",
        /// 信访工作人员.
        Clerk => "CLERK",
        /// 包案领导.
        CaseLead => "CASE_LEAD",
        /// 联席会议成员.
        CommitteeMember => "COMMITTEE_MEMBER",
        /// An administrator.
        Admin => "ADMIN",
        /// The service itself: the deadline sweep.
        System => "SYSTEM",
    }
}

/// The role a user acted in, as a history records it.
impl From<Role> for ActorRole {
    fn from(role: Role) -> ActorRole {
        match role {
            Role::Petitioner => ActorRole::Petitioner,
            Role::Clerk => ActorRole::Clerk,
            Role::CaseLead => ActorRole::CaseLead,
            Role::CommitteeMember => ActorRole::CommitteeMember,
            Role::Admin => ActorRole::Admin,
        }
    }
}

impl Role {
    /// Staff roles act within a jurisdiction subtree; a petitioner acts only on their own matters.
    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Petitioner)
    }

    /// The roles of a staff account as an admin gives them: at least one, each a staff role (petitioners register
    /// themselves), each once. `BAD_USER_INPUT` naming `field` otherwise.
    pub fn staff_roles(roles: &[Role], field: &str) -> Result<Vec<Role>, crate::error::AppError> {
        use crate::error::{AppError, Message};
        if roles.is_empty() {
            return Err(AppError::bad_input(field, Message::NoRoles));
        }
        if roles.contains(&Role::Petitioner) {
            return Err(AppError::bad_input(field, Message::PetitionerNotStaff));
        }
        let mut unique = roles.to_vec();
        unique.sort_by_key(|r| r.as_str());
        unique.dedup();
        if unique.len() != roles.len() {
            return Err(AppError::bad_input(field, Message::RoleTwice));
        }
        Ok(roles.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(Role::parse("ROOT"), None);
        assert!(!Role::Petitioner.is_staff());
        assert!(Role::Clerk.is_staff());
    }

    #[test]
    fn staff_roles_are_some_staff_roles_each_once() {
        assert_eq!(Role::staff_roles(&[Role::Clerk, Role::Admin], "r").unwrap(), vec![Role::Clerk, Role::Admin]);
        for bad in [&[][..], &[Role::Petitioner], &[Role::Clerk, Role::Clerk]] {
            assert_eq!(Role::staff_roles(bad, "input.roles").unwrap_err().field.as_deref(), Some("input.roles"));
        }
    }
}
