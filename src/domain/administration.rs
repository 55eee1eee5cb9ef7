//! Administration (DOMAIN.md §1-2): what an admin's changes are called in the administration log, and the temporary
//! passwords it hands over. Who may make a change is decided in [`super::permission`].

use rand::Rng;

text_enum! {
    /// What an administrative change did.
    AdminAction {
        /// A staff account was made, with a temporary password.
        AccountCreated => "ACCOUNT_CREATED",
        /// Its display name, unit or roles changed.
        AccountUpdated => "ACCOUNT_UPDATED",
        /// It may no longer sign in.
        AccountDeactivated => "ACCOUNT_DEACTIVATED",
        /// It may sign in again.
        AccountReactivated => "ACCOUNT_REACTIVATED",
        /// A new temporary password was set.
        PasswordReset => "PASSWORD_RESET",
        /// A unit was made.
        UnitCreated => "UNIT_CREATED",
        /// Its name or kind changed.
        UnitUpdated => "UNIT_UPDATED",
        /// It takes no new cases or staff.
        UnitDeactivated => "UNIT_DEACTIVATED",
    }
}

text_enum! {
    /// What an administrative change was made to.
    AdminSubject {
        /// A user account.
        Account => "ACCOUNT",
        /// A bureau, handling unit or committee.
        Unit => "UNIT",
    }
}

/// A temporary password (16 characters without look-alikes: no 0/O, 1/l/I), for an admin to hand over; the holder
/// must change it at the first sign-in.
pub fn new_temporary_password(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_enough_and_unambiguous() {
        let password = new_temporary_password(&mut rand::thread_rng());
        assert_eq!(password.chars().count(), 16);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)));
        assert!(crate::domain::credentials::Password::parse_new(&password, "p").is_ok());
    }
}
