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

impl Role {
    /// Staff roles act within a jurisdiction subtree; a petitioner acts only on their own matters.
    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Petitioner)
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
}
