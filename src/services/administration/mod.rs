//! Administration (DOMAIN.md §1-2): admins onboard the staff of their jurisdiction, change them as people move,
//! and every change lands in the append-only administration log. Who may do what is decided in
//! `domain::permission` (`authorize_administration`); the log entry needs the proof it returns.

pub mod accounts;
pub mod history_check;
pub mod onboarding;
mod operator;

pub use operator::Operator;
pub mod units;

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use crate::domain::permission::{act, Authorized};
use crate::domain::scope::Caller;
use crate::error::AppResult;
use crate::models::admin_event;
pub use crate::models::admin_event::Change;

/// A new temporary password: as handed over, and parsed for hashing.
pub(crate) fn temporary_password() -> AppResult<(String, crate::domain::credentials::Password)> {
    let temporary = crate::domain::administration::new_temporary_password(&mut rand::thread_rng());
    let password = crate::domain::credentials::Password::parse_new(&temporary, "password")?;
    Ok((temporary, password))
}

/// Who made an administrative change.
#[derive(Clone, Copy)]
pub enum Actor<'a> {
    /// An admin, through the API.
    Admin(&'a Caller),
    /// Whoever ran a command of the binary with the database owner's credentials (the named command).
    CommandLine(&'a str),
}

/// Appends `change` to the administration log.
pub fn log(
    conn: &mut PgConnection,
    proof: &Authorized<act::Administer>,
    actor: Actor<'_>,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (actor_account_id, actor_name) = match actor {
        Actor::Admin(caller) => (Some(caller.account_id), caller.username.clone()),
        Actor::CommandLine(command) => (None, format!("petition-api {command}")),
    };
    admin_event::append(conn, proof, actor_account_id, &actor_name, &change, now)?;
    Ok(())
}
