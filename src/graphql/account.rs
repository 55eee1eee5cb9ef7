//! Accounts and sessions: `me`, `registerPetitioner`, `login`, `refreshToken`, `logout`, `changePassword`.

use std::time::Instant;

use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, FixedOffset};

use super::context::{account_holder, local_time, request, state};
use super::jurisdiction::{JurisdictionNode, UnitNode};
use super::loaders::Loaders;
use crate::auth::password;
use crate::auth::throttle::Verdict;
use crate::domain::credentials::{Password, Username};
use crate::domain::permission::authorize_password_change;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, Message};
use crate::models::account::{self, Account};
use crate::services::sessions::{self, Refreshed, Registration, Session, SessionContext};

/// A user account: a petitioner or a member of staff.
#[derive(Clone)]
pub struct AccountNode(pub Account);

/// A user account: a petitioner or a member of staff.
#[Object(name = "Account")]
impl AccountNode {
    /// The account's id.
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The sign-in name (lower-case, Unicode-normalised).
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// What the account may do.
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.clone()
    }

    /// The unit a member of staff belongs to; null for petitioners.
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<UnitNode>> {
        let Some(id) = self.0.unit_id else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().unit().load_one(id).await?.map(UnitNode))
    }

    /// Whether the account may sign in; a deactivated one stays for the history.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// The jurisdiction whose subtree a member of staff works in; null for petitioners.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<Option<JurisdictionNode>> {
        let Some(code) = &self.0.jurisdiction_code else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().jurisdiction().load_one(code.clone()).await?.map(JurisdictionNode))
    }
}

/// A signed-in session.
pub struct AuthPayload(Session);

/// A signed-in session.
#[Object]
impl AuthPayload {
    /// A short-lived access token: send it as `Authorization: Bearer <token>`.
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }

    /// When the access token stops working; renew it before then with `refreshToken`.
    async fn access_token_expires_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.access_token_expires_at)
    }

    /// An opaque, single-use token for `refreshToken`. Keep it secret; each use returns a new one.
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }

    /// The signed-in account.
    async fn account(&self) -> AccountNode {
        AccountNode(self.0.account.clone())
    }

    /// The password is a temporary one an admin set: until `changePassword`, nothing else is allowed
    /// (`FORBIDDEN`).
    async fn must_change_password(&self) -> bool {
        self.0.account.must_change_password
    }
}

/// A new petitioner account.
#[derive(InputObject)]
pub struct RegisterPetitionerInput {
    /// 3 to 64 letters, digits, `.`, `_` or `-`.
    pub username: String,
    /// 10 to 128 characters.
    pub password: String,
    /// The name staff will address the petitioner by.
    pub display_name: String,
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in account. `UNAUTHENTICATED` without a valid access token.
    async fn me(&self, ctx: &Context<'_>) -> Result<AccountNode> {
        let id = account_holder(ctx)?.account_id;
        let found = state(ctx).db.run(move |conn| Ok(account::find(conn, id)?)).await?;
        Ok(AccountNode(found.ok_or_else(|| AppError::unauthenticated(Message::AccountGone))?))
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates a petitioner account and signs it in.
    async fn register_petitioner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: RegisterPetitionerInput,
    ) -> Result<AuthPayload> {
        Ok(AuthPayload(register(ctx, &input).await?))
    }

    /// Signs in. A wrong password and an unknown user get the same `UNAUTHENTICATED`; repeated failures are slowed
    /// down and then refused with `RATE_LIMITED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sign-in name.")] username: String,
        #[graphql(desc = "The password.")] password: String,
    ) -> Result<AuthPayload> {
        Ok(AuthPayload(login(ctx, &username, &password).await?))
    }

    /// Exchanges a refresh token for a new session. Each refresh token works once; presenting a used one again
    /// revokes every token descended from the same sign-in.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the current session.")] refresh_token: String,
    ) -> Result<AuthPayload> {
        let st = state(ctx);
        let sc = SessionContext::of(st);
        match st.db.transaction(move |conn| sessions::refresh(conn, &sc, &refresh_token)).await? {
            Refreshed::Rotated(session) => Ok(AuthPayload(*session)),
            Refreshed::Refused(ended) => {
                // The family's revocation is committed; this server refuses its access tokens at once, the others
                // when the revocation is announced.
                if let Some(session) = ended {
                    st.callers.revoke_session(session);
                }
                let refused = AppError::unauthenticated(Message::InvalidRefreshToken);
                Err(refused.into())
            }
        }
    }

    /// Ends the session the refresh token belongs to. Always answers true, known token or not.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the session to end.")] refresh_token: String,
    ) -> Result<bool> {
        let st = state(ctx);
        let sc = SessionContext::of(st);
        // This server refuses the session's access tokens at once, the others when the revocation is announced.
        if let Some(session) = st.db.transaction(move |conn| sessions::logout(conn, &sc, &refresh_token)).await? {
            st.callers.revoke_session(session);
        }
        Ok(true)
    }

    /// Changes the signed-in account's password. Every token issued before stops working; the answer is a new
    /// session.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password now in use.")] current_password: String,
        #[graphql(desc = "The new password, 10 to 128 characters.")] new_password: String,
    ) -> Result<AuthPayload> {
        Ok(AuthPayload(change_password(ctx, &current_password, &new_password).await?))
    }
}

// The flows of the session acts: throttling, and hashing or verifying passwords on the hashing threads, around the
// service's act in one transaction.

/// Every registration from an address counts, not only failures: a burst of registrations is what is limited.
async fn register(ctx: &Context<'_>, input: &RegisterPetitionerInput) -> AppResult<Session> {
    let st = state(ctx);
    let keys = [format!("register:{}", request(ctx).client_ip)];
    if let Verdict::Refuse(wait) = st.register_limiter.check(&keys, Instant::now()) {
        return Err(AppError::rate_limited(wait.as_secs().max(1)));
    }
    st.register_limiter.record_failure(&keys, Instant::now());
    let (registration, password) = Registration::parse(&input.username, &input.password, &input.display_name)?;
    let hash = password::hash_async(password).await?;
    let sc = SessionContext::of(st);
    st.db.transaction(move |conn| sessions::register(conn, &sc, &registration, &hash)).await
}

/// Throttled by account and by address: slowed after a few failures, then refused for a while.
async fn login(ctx: &Context<'_>, username: &str, password: &str) -> AppResult<Session> {
    let (st, client_ip) = (state(ctx), request(ctx).client_ip.as_str());
    let username = Username::parse(username, "username")?;
    let password = Password::parse_attempt(password, "password")?;
    let account_key = format!("user:{}", username.as_str());
    let keys = [account_key.clone(), format!("ip:{client_ip}")];
    match st.login_limiter.check(&keys, Instant::now()) {
        Verdict::Refuse(wait) => {
            tracing::warn!(username = username.as_str(), client_ip, "login refused: too many failures");
            return Err(AppError::rate_limited(wait.as_secs().max(1)));
        }
        Verdict::Allow(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        Verdict::Allow(_) => {}
    }
    let name = username.as_str().to_owned();
    let found = st.db.run(move |conn| Ok(account::find_by_username(conn, &name)?)).await?;
    let matched = password::verify_async(password, found.as_ref().map(|a| a.password_hash.clone())).await?;
    let Some(admitted) = sessions::admitted(found, matched) else {
        st.login_limiter.record_failure(&keys, Instant::now());
        tracing::info!(username = username.as_str(), client_ip, "login failed");
        return Err(sessions::bad_credentials());
    };
    st.login_limiter.record_success(&account_key);
    let sc = SessionContext::of(st);
    st.db.transaction(move |conn| sessions::sign_in(conn, &sc, admitted)).await
}

/// The current password checked (failures count towards the sign-in throttle), the new one hashed, then the act;
/// this server forgets the account's cached caller at once, the others when the change is announced.
async fn change_password(ctx: &Context<'_>, current: &str, new: &str) -> AppResult<Session> {
    let (st, account_id) = (state(ctx), account_holder(ctx)?.account_id);
    let current = Password::parse_attempt(current, "currentPassword")?;
    let new = Password::parse_new(new, "newPassword")?;
    if current == new {
        return Err(AppError::bad_input("newPassword", Message::NewPasswordSame));
    }
    let found = st
        .db
        .run(move |conn| {
            account::find(conn, account_id)?.ok_or_else(|| AppError::unauthenticated(Message::AccountGone))
        })
        .await?;
    let keys = [format!("user:{}", found.username), format!("ip:{}", request(ctx).client_ip)];
    if let Verdict::Refuse(wait) = st.login_limiter.check(&keys, Instant::now()) {
        return Err(AppError::rate_limited(wait.as_secs().max(1)));
    }
    let matches = password::verify_async(current, Some(found.password_hash.clone())).await?;
    let proof = authorize_password_change(sessions::session_role(&found), matches).inspect_err(|_| {
        st.login_limiter.record_failure(&keys, Instant::now());
    })?;
    let hash = password::hash_async(new).await?;
    let sc = SessionContext::of(st);
    let session = st.db.transaction(move |conn| sessions::change_password(conn, &sc, &proof, account_id, &hash)).await;
    st.callers.forget(account_id);
    session
}
