//! Accounts and sessions: `me`, `registerPetitioner`, `login`, `refreshToken`, `logout`, `changePassword`.

use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, FixedOffset};

use super::context::{account_holder, local_time, request, state};
use super::jurisdiction::{JurisdictionNode, UnitNode};
use super::loaders::Loaders;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::models::account::{self, Account};
use crate::services::sessions::{self, Session};

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
        Ok(AccountNode(found.ok_or_else(|| AppError::unauthenticated("account gone"))?))
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
        let session = sessions::register_petitioner(
            state(ctx),
            &input.username,
            &input.password,
            &input.display_name,
            &request(ctx).client_ip,
        )
        .await?;
        Ok(AuthPayload(session))
    }

    /// Signs in. A wrong password and an unknown user get the same `UNAUTHENTICATED`; repeated failures are slowed
    /// down and then refused with `RATE_LIMITED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sign-in name.")] username: String,
        #[graphql(desc = "The password.")] password: String,
    ) -> Result<AuthPayload> {
        Ok(AuthPayload(sessions::login(state(ctx), &username, &password, &request(ctx).client_ip).await?))
    }

    /// Exchanges a refresh token for a new session. Each refresh token works once; presenting a used one again
    /// revokes every token descended from the same sign-in.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the current session.")] refresh_token: String,
    ) -> Result<AuthPayload> {
        Ok(AuthPayload(sessions::refresh(state(ctx), &refresh_token).await?))
    }

    /// Ends the session the refresh token belongs to. Always answers true, known token or not.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the session to end.")] refresh_token: String,
    ) -> Result<bool> {
        sessions::logout(state(ctx), &refresh_token).await?;
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
        let id = account_holder(ctx)?.account_id;
        let st = state(ctx);
        Ok(AuthPayload(
            sessions::change_password(st, id, &current_password, &new_password, &request(ctx).client_ip).await?,
        ))
    }
}
