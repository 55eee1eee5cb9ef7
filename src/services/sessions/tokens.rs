//! Who a request's bearer token says is calling, checked against the account and its sessions.

use uuid::Uuid;

use crate::domain::ids::AccountId;
use crate::models::account;
use crate::models::account::LoadedCaller;
use crate::state::AppState;

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
    let (account_id, sid) = (AccountId::from(claims.sub), claims.sid);
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
