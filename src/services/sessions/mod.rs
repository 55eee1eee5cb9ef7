//! Sessions: registering, signing in, rotating refresh tokens, signing out and changing passwords, each the
//! database's side of the act over the caller's transaction, in the services' one shape with [`SessionContext`] in
//! place of a `WorkContext` (these acts come before there is a caller, or for an account on a temporary password).
//! The rest of each flow, throttling by account and address and hashing or verifying passwords on the hashing
//! threads, is the GraphQL layer's (`graphql/account.rs`), which owns the async boundary. Authenticating a
//! request's token, which is no act, is in `tokens`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use uuid::Uuid;

use crate::auth::token::{hash_opaque, new_refresh_token, Subject, TokenKeys};
use crate::domain::credentials::{parse_display_name, Password, Username};
use crate::domain::ids::AccountId;
use crate::domain::permission::{act, authorize_registration, authorize_session, Authorized, Decision, SystemWrite};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, Message};
use crate::models::account::PasswordOrigin;
use crate::models::{account, refresh_token};
use crate::state::AppState;

/// What a session act needs: the keys that sign tokens, and the moment by the wall clock. Tokens are checked
/// against the wall clock by whoever reads them, so they are issued by it, not by the service's injectable clock.
pub struct SessionContext {
    pub tokens: Arc<TokenKeys>,
    pub now: DateTime<Utc>,
}

impl SessionContext {
    pub fn of(state: &AppState) -> SessionContext {
        SessionContext { tokens: state.tokens.clone(), now: Utc::now() }
    }
}

/// A signed-in session: what `login` and friends return.
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub account: account::Account,
}

/// One answer for a wrong password and an unknown user alike.
pub fn bad_credentials() -> AppError {
    AppError::unauthenticated(Message::WrongCredentials)
}

/// The role an account acts in on its own sessions: its first.
pub fn session_role(account: &account::Account) -> Role {
    account.roles.first().copied().unwrap_or(Role::Petitioner)
}

/// Issues an access token and a refresh token in `family` (a new family at sign-in).
fn open_session(
    conn: &mut PgConnection,
    decided: &impl Decision,
    sc: &SessionContext,
    account: account::Account,
    family: Uuid,
) -> AppResult<Session> {
    let subject = Subject {
        account_id: account.id,
        roles: &account.roles,
        unit: account.unit_id,
        jurisdiction: account.jurisdiction_code.clone(),
        version: account.token_version,
        session: family,
    };
    let (access_token, expires) = sc.tokens.issue(subject, sc.now)?;
    let (refresh, hash) = new_refresh_token();
    let expires_at = sc.now + sc.tokens.refresh_ttl();
    refresh_token::insert(conn, decided, account.id, family, &hash, account.token_version, expires_at)?;
    Ok(Session { access_token, access_token_expires_at: expires, refresh_token: refresh, account })
}

/// A petitioner's registration, checked before its password is hashed.
pub struct Registration {
    username: Username,
    display_name: String,
}

impl Registration {
    /// The registration and the password to hash, or what is wrong with them.
    pub fn parse(username: &str, password: &str, display_name: &str) -> AppResult<(Registration, Password)> {
        let username = Username::parse(username, "input.username")?;
        let password = Password::parse_new(password, "input.password")?;
        let display_name = parse_display_name(display_name, "input.displayName")?;
        Ok((Registration { username, display_name }, password))
    }
}

/// `registerPetitioner`: the account, signed in.
pub fn register(
    conn: &mut PgConnection,
    sc: &SessionContext,
    registration: &Registration,
    password_hash: &str,
) -> AppResult<Session> {
    let new = account::NewAccount {
        username: registration.username.as_str(),
        password_hash,
        display_name: &registration.display_name,
        roles: &[Role::Petitioner],
        unit_id: None,
        jurisdiction_code: None,
        temporary_password: false,
    };
    let registered = authorize_registration();
    let created = account::insert(conn, &registered, &new)?
        .ok_or_else(|| AppError::bad_input("input.username", Message::UsernameTaken))?;
    open_session(conn, &registered, sc, created, Uuid::new_v4())
}

/// Whom a sign-in admits, once the password was checked against the account found (if any): the account and the
/// decision to open its session. A wrong password and an unknown user are refused alike (`None`).
pub fn admitted(
    found: Option<account::Account>,
    password_matched: bool,
) -> Option<(account::Account, Authorized<act::Session>)> {
    let signed_in = found.as_ref().and_then(|a| authorize_session(session_role(a), password_matched))?;
    found.map(|account| (account, signed_in))
}

/// `login`, once admitted: refused for a deactivated account (said only to whoever knows the password), else a new
/// session.
pub fn sign_in(
    conn: &mut PgConnection,
    sc: &SessionContext,
    (account, signed_in): (account::Account, Authorized<act::Session>),
) -> AppResult<Session> {
    if !account.active {
        tracing::info!(username = account.username, "login refused: account deactivated");
        return Err(AppError::unauthenticated(Message::AccountDeactivated));
    }
    open_session(conn, &signed_in, sc, account, Uuid::new_v4())
}

/// What presenting a refresh token came to.
pub enum Refreshed {
    Rotated(Box<Session>),
    /// Reused, revoked, expired or outdated: the family (if the token was known) is revoked and must be committed
    /// so, and the caller told no.
    Refused(Option<Uuid>),
}

/// `refreshToken`: the presented token is used up and a new one of the same family returned. A token that was
/// already used means someone kept a copy, so the whole family is revoked.
pub fn refresh(conn: &mut PgConnection, sc: &SessionContext, token: &str) -> AppResult<Refreshed> {
    let now = sc.now;
    let Some(stored) = refresh_token::find_for_update(conn, &hash_opaque(token))? else {
        return Ok(Refreshed::Refused(None));
    };
    let account = account::find(conn, stored.account_id)?;
    let current = account.as_ref().is_some_and(|a| a.token_version == stored.token_version);
    let holds = stored.used_at.is_none() && stored.revoked_at.is_none() && stored.expires_at > now && current;
    let rotated = account.as_ref().and_then(|a| authorize_session(session_role(a), holds));
    let (Some(account), Some(rotated)) = (account, rotated) else {
        if stored.used_at.is_some() && stored.revoked_at.is_none() {
            tracing::warn!(family = %stored.family_id, "refresh token reused; revoking its family");
        }
        // The service's own reaction: a token kept by someone else ends its whole family.
        refresh_token::revoke_family(conn, &SystemWrite::new(), stored.family_id, now)?;
        return Ok(Refreshed::Refused(Some(stored.family_id)));
    };
    refresh_token::mark_used(conn, &rotated, stored.id, now)?;
    Ok(Refreshed::Rotated(Box::new(open_session(conn, &rotated, sc, account, stored.family_id)?)))
}

/// `logout`: revokes the refresh token's family, and with it the session's access tokens; the session ended, if
/// the token was known (the caller then refuses its access tokens at once).
pub fn logout(conn: &mut PgConnection, sc: &SessionContext, token: &str) -> AppResult<Option<Uuid>> {
    let Some(stored) = refresh_token::find_for_update(conn, &hash_opaque(token))? else { return Ok(None) };
    // Whoever holds a session's refresh token may end the session (ending one takes nothing from anyone).
    refresh_token::revoke_family(conn, &SystemWrite::new(), stored.family_id, sc.now)?;
    Ok(Some(stored.family_id))
}

/// `changePassword`, once the current password was checked (`proof`): the new hash, and a new session; every
/// older access and refresh token stops working.
pub fn change_password(
    conn: &mut PgConnection,
    sc: &SessionContext,
    proof: &Authorized<act::OwnPassword>,
    account_id: AccountId,
    new_hash: &str,
) -> AppResult<Session> {
    let updated = account::set_password(conn, proof, account_id, new_hash, PasswordOrigin::ChosenByOwner)?;
    tracing::info!(account = %account_id, "password changed; older tokens invalidated");
    open_session(conn, proof, sc, updated, Uuid::new_v4())
}

mod tokens;

pub use tokens::{authenticate, authenticate_session, TokenSession};
