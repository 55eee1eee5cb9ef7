//! Account flows: registering, signing in, rotating refresh tokens, signing out, changing passwords.

use std::time::Instant;

use chrono::Utc;
use uuid::Uuid;

use crate::auth::password;
use crate::auth::throttle::Verdict;
use crate::auth::token::{hash_opaque, new_refresh_token, Subject};
use crate::domain::credentials::{parse_display_name, Password, Username};
use crate::domain::permission::{
    authorize_password_change, authorize_registration, authorize_session, Decision, SystemWrite,
};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::account::LoadedCaller;
use crate::models::{account, refresh_token};
use crate::state::AppState;

/// A signed-in session: what `login` and friends return.
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: chrono::DateTime<Utc>,
    pub refresh_token: String,
    pub account: account::Account,
}

/// One answer for a wrong password and an unknown user alike.
fn bad_credentials() -> AppError {
    AppError::unauthenticated("wrong username or password")
}

/// The role an account acts in on its own sessions: its first.
fn first_role(account: &account::Account) -> Role {
    account.roles.first().copied().unwrap_or(Role::Petitioner)
}

/// Issues an access token and a refresh token in `family` (a new family at login).
fn open_session(
    conn: &mut diesel::PgConnection,
    decided: &impl Decision,
    state: &AppState,
    account: account::Account,
    family: Uuid,
) -> AppResult<Session> {
    let now = Utc::now();
    let subject = Subject {
        account_id: account.id,
        roles: &account.roles,
        unit: account.unit_id,
        jurisdiction: account.jurisdiction_code.clone(),
        version: account.token_version,
        session: family,
    };
    let (access_token, expires) = state.tokens.issue(subject, now)?;
    let (refresh, hash) = new_refresh_token();
    let expires_at = now + state.tokens.refresh_ttl();
    refresh_token::insert(conn, decided, account.id, family, &hash, account.token_version, expires_at)?;
    Ok(Session { access_token, access_token_expires_at: expires, refresh_token: refresh, account })
}

pub async fn register_petitioner(
    state: &AppState,
    username: &str,
    password: &str,
    display_name: &str,
    client_ip: &str,
) -> AppResult<Session> {
    // Every attempt counts, not only failures: a burst of registrations from one address is what is limited.
    let keys = [format!("register:{client_ip}")];
    if let Verdict::Refuse(wait) = state.register_limiter.check(&keys, Instant::now()) {
        return Err(AppError::rate_limited(wait.as_secs().max(1)));
    }
    state.register_limiter.record_failure(&keys, Instant::now());
    let username = Username::parse(username, "input.username")?;
    let password = Password::parse_new(password, "input.password")?;
    let display_name = parse_display_name(display_name, "input.displayName")?;
    let hash = password::hash_async(password).await?;
    let st = state.clone();
    state
        .db
        .transaction(move |conn| {
            let new = account::NewAccount {
                username: username.as_str(),
                password_hash: &hash,
                display_name: &display_name,
                roles: &[Role::Petitioner],
                unit_id: None,
                jurisdiction_code: None,
                temporary_password: false,
            };
            let registered = authorize_registration();
            let created = account::insert(conn, &registered, &new)?
                .ok_or_else(|| AppError::bad_input("input.username", "this username is taken"))?;
            open_session(conn, &registered, &st, created, Uuid::new_v4())
        })
        .await
}

/// Throttles by account and by address: slowed after a few failures, then refused for a while.
pub async fn login(state: &AppState, username: &str, password: &str, client_ip: &str) -> AppResult<Session> {
    let username = Username::parse(username, "username")?;
    let password = Password::parse_attempt(password, "password")?;
    let account_key = format!("user:{}", username.as_str());
    let keys = [account_key.clone(), format!("ip:{client_ip}")];
    match state.login_limiter.check(&keys, Instant::now()) {
        Verdict::Refuse(wait) => {
            tracing::warn!(username = username.as_str(), client_ip, "login refused: too many failures");
            return Err(AppError::rate_limited(wait.as_secs().max(1)));
        }
        Verdict::Allow(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        Verdict::Allow(_) => {}
    }
    let name = username.as_str().to_owned();
    let found = state.db.run(move |conn| Ok(account::find_by_username(conn, &name)?)).await?;
    let ok = password::verify_async(password, found.as_ref().map(|a| a.password_hash.clone())).await?;
    let signed_in = found.as_ref().and_then(|a| authorize_session(first_role(a), ok));
    let (Some(account), Some(signed_in)) = (found, signed_in) else {
        state.login_limiter.record_failure(&keys, Instant::now());
        tracing::info!(username = username.as_str(), client_ip, "login failed");
        return Err(bad_credentials());
    };
    state.login_limiter.record_success(&account_key);
    // Said only to whoever knows the password: the account exists but was deactivated.
    if !account.active {
        tracing::info!(username = username.as_str(), client_ip, "login refused: account deactivated");
        return Err(AppError::unauthenticated("this account is deactivated; ask an admin of your jurisdiction"));
    }
    let st = state.clone();
    state.db.transaction(move |conn| open_session(conn, &signed_in, &st, account, Uuid::new_v4())).await
}

enum RefreshOutcome {
    Rotated(Box<Session>),
    /// Reused, revoked, expired or outdated: the family (if the token was known) is revoked (committed) and the
    /// caller told no.
    Refused(Option<Uuid>),
}

/// Rotates a refresh token: the presented one is used up and a new one of the same family returned. A token that
/// was already used means someone kept a copy, so the whole family is revoked.
pub async fn refresh(state: &AppState, token: &str) -> AppResult<Session> {
    let hash = hash_opaque(token);
    let st = state.clone();
    let outcome = state
        .db
        .transaction(move |conn| {
            let now = Utc::now();
            let Some(stored) = refresh_token::find_for_update(conn, &hash)? else {
                return Ok(RefreshOutcome::Refused(None));
            };
            let account = account::find(conn, stored.account_id)?;
            let current = account.as_ref().is_some_and(|a| a.token_version == stored.token_version);
            let holds = stored.used_at.is_none() && stored.revoked_at.is_none() && stored.expires_at > now && current;
            let rotated = account.as_ref().and_then(|a| authorize_session(first_role(a), holds));
            let (Some(account), Some(rotated)) = (account, rotated) else {
                if stored.used_at.is_some() && stored.revoked_at.is_none() {
                    tracing::warn!(family = %stored.family_id, "refresh token reused; revoking its family");
                }
                // The service's own reaction: a token kept by someone else ends its whole family.
                refresh_token::revoke_family(conn, &SystemWrite::new(), stored.family_id, now)?;
                return Ok(RefreshOutcome::Refused(Some(stored.family_id)));
            };
            refresh_token::mark_used(conn, &rotated, stored.id, now)?;
            Ok(RefreshOutcome::Rotated(Box::new(open_session(conn, &rotated, &st, account, stored.family_id)?)))
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated(session) => Ok(*session),
        RefreshOutcome::Refused(ended) => {
            if let Some(session) = ended {
                state.callers.revoke_session(session);
            }
            Err(AppError::unauthenticated("invalid or expired refresh token"))
        }
    }
}

/// Ends the session: revokes the refresh token's family, and with it the session's access tokens (this process
/// refuses them at once, the others when the revocation is announced). Answers the same whether or not the token
/// existed.
pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    let hash = hash_opaque(token);
    let ended = state
        .db
        .transaction(move |conn| {
            let Some(stored) = refresh_token::find_for_update(conn, &hash)? else { return Ok(None) };
            // Whoever holds a session's refresh token may end the session (ending one takes nothing from anyone).
            refresh_token::revoke_family(conn, &SystemWrite::new(), stored.family_id, Utc::now())?;
            Ok(Some(stored.family_id))
        })
        .await?;
    if let Some(session) = ended {
        state.callers.revoke_session(session);
    }
    Ok(())
}

/// Sets a new password after checking the current one; every older access and refresh token stops working.
pub async fn change_password(
    state: &AppState,
    account_id: Uuid,
    current: &str,
    new: &str,
    client_ip: &str,
) -> AppResult<Session> {
    let current = Password::parse_attempt(current, "currentPassword")?;
    let new = Password::parse_new(new, "newPassword")?;
    if current == new {
        return Err(AppError::bad_input("newPassword", "the new password must differ from the current one"));
    }
    let found = state
        .db
        .run(move |conn| account::find(conn, account_id)?.ok_or_else(|| AppError::unauthenticated("account gone")))
        .await?;
    let keys = [format!("user:{}", found.username), format!("ip:{client_ip}")];
    if let Verdict::Refuse(wait) = state.login_limiter.check(&keys, Instant::now()) {
        return Err(AppError::rate_limited(wait.as_secs().max(1)));
    }
    let matches = password::verify_async(current, Some(found.password_hash.clone())).await?;
    let proof = authorize_password_change(first_role(&found), matches).inspect_err(|_| {
        state.login_limiter.record_failure(&keys, Instant::now());
    })?;
    let hash = password::hash_async(new).await?;
    let st = state.clone();
    let session = state
        .db
        .transaction(move |conn| {
            let updated = account::set_password(conn, &proof, account_id, &hash)?;
            tracing::info!(account = %account_id, "password changed; older tokens invalidated");
            open_session(conn, &proof, &st, updated, Uuid::new_v4())
        })
        .await;
    // This process forgets at once; the others when the change is announced.
    state.callers.forget(account_id);
    session
}

/// Resolves the bearer token of a request into who is calling. The token's version must match the account's,
/// so a password or role change cuts off every token issued before it.
pub async fn authenticate(state: &AppState, bearer: Option<&str>) -> crate::auth::Authentication {
    authenticate_session(state, bearer).await.0
}

/// What a live connection keeps of the token it was opened with.
#[derive(Clone, Copy, Debug)]
pub struct TokenSession {
    pub expires: chrono::DateTime<chrono::Utc>,
    /// The account's token version the token was issued under: a password or role change bumps it.
    pub version: i32,
    /// The session the token belongs to: signing out ends it.
    pub session: Option<Uuid>,
}

/// As [`authenticate`], with what a live connection must keep of the token (a subscription ends at its expiry, or
/// when the account's token version moves on).
pub async fn authenticate_session(
    state: &AppState,
    bearer: Option<&str>,
) -> (crate::auth::Authentication, Option<TokenSession>) {
    use crate::auth::Authentication;
    let Some(token) = bearer else { return (Authentication::Anonymous, None) };
    let Ok(claims) = state.tokens.verify(token) else { return (Authentication::Invalid, None) };
    let session = chrono::DateTime::from_timestamp(claims.exp, 0).map(|expires| TokenSession {
        expires,
        version: claims.ver,
        session: claims.sid,
    });
    if claims.sid.and_then(|sid| state.callers.session_revoked(sid)) == Some(true) {
        return (Authentication::Invalid, None);
    }
    let (account_id, sid) = (claims.sub, claims.sid);
    // Remembered only while the listener hears revocations, so a remembered caller's session was checked above.
    // Callers on a temporary password are not remembered: they are few, and only until they change it.
    let loaded = match state.callers.get(account_id) {
        Some((caller, version)) => Ok(Some(LoadedCaller { caller, version, session_ended: false, provisional: false })),
        None => {
            let ticket = state.callers.ticket();
            let loaded = state.db.run(move |conn| Ok(account::load_caller(conn, account_id, sid)?)).await;
            if let Ok(Some(l)) = &loaded {
                if !l.provisional {
                    state.callers.remember(ticket, account_id, l.caller.clone(), l.version);
                }
            }
            loaded
        }
    };
    match loaded {
        Ok(Some(l)) if l.version == claims.ver && !l.session_ended => {
            let auth = if l.provisional {
                Authentication::Provisional(l.caller)
            } else {
                Authentication::Authenticated(l.caller)
            };
            (auth, session)
        }
        Ok(_) => (Authentication::Invalid, None),
        Err(e) if e.code == crate::error::ErrorCode::Unavailable => (Authentication::Unavailable, None),
        Err(e) => {
            tracing::error!(error = ?e.message, "authentication: cannot load the account");
            (Authentication::Unavailable, None)
        }
    }
}
