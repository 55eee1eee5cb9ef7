//! Administration: `accounts`, `account`, `adminEvents`; `createStaffAccount`, `updateStaffAccount`,
//! `deactivateAccount`, `reactivateAccount`, `resetPassword`; `createUnit`, `updateUnit`, `deactivateUnit` (units
//! are listed by `units` of the jurisdiction module).

use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, FixedOffset};

use super::account::AccountNode;
use super::connection::{connection, scoped_page, wants_total, PageArgs};
use super::context::{caller, filter_id, local_time, object_id, state, work};
use super::jurisdiction::UnitNode;
use crate::domain::administration::{AdminAction, AdminSubject};
use crate::domain::ids::AccountId;
use crate::domain::organisation::UnitKind;
use crate::domain::role::Role;
use crate::domain::scope::{account_scope, admin_log_scope};
use crate::error::{AppError, AppResult, Message};
use crate::models::account::{self as account_model, AccountFilter, AccountList};
use crate::models::admin_event::{self, AdminEvent, AdminEventFilter};
use crate::models::jurisdiction;
use crate::models::page::TimeKey;
use crate::services::administration::accounts::{
    self, NewStaff, StaffUpdate, TemporaryPassword, WithTemporaryPassword,
};
use crate::services::administration::units;
use crate::services::WorkContext;

connection!(
    AccountConnection,
    AccountEdge,
    AccountNode,
    "A page of accounts (Relay connection).",
    "An account in a page, with its cursor."
);

/// Which accounts to list.
#[derive(InputObject, Default)]
pub struct AccountFilterInput {
    /// Only accounts holding this role.
    pub role: Option<Role>,
    /// Only accounts of this unit.
    pub unit_id: Option<ID>,
    /// Only accounts placed in the subtree of this jurisdiction.
    pub jurisdiction_code: Option<String>,
    /// Only active (`true`) or deactivated (`false`) accounts.
    pub active: Option<bool>,
    /// Only accounts whose username or display name contains this text.
    pub search: Option<String>,
}

/// An entry of the administration log: who changed which account or unit, how, and when.
#[derive(Clone)]
pub struct AdminEventNode(pub AdminEvent);

/// An entry of the administration log (append-only): who changed which account or unit, how, and when.
#[Object(name = "AdminEvent")]
impl AdminEventNode {
    /// The entry's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// When.
    async fn occurred_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.occurred_at)
    }

    /// The admin's account; null for changes made from the command line.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_account_id.map(|id| ID(id.to_string()))
    }

    /// The admin's username, or what the command line gave.
    async fn actor_name(&self) -> &str {
        &self.0.actor_name
    }

    /// What was done.
    async fn action(&self) -> AdminAction {
        self.0.action
    }

    /// To what kind of thing.
    async fn subject_kind(&self) -> AdminSubject {
        self.0.subject_kind
    }

    /// The account's or unit's id.
    async fn subject_id(&self) -> ID {
        ID(self.0.subject_id.to_string())
    }

    /// The code of the jurisdiction the subject is placed in.
    async fn jurisdiction_code(&self) -> &str {
        &self.0.jurisdiction_code
    }

    /// The subject before the change (null for a creation); never a password.
    async fn before(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.0.before.clone().map(async_graphql::Json)
    }

    /// The subject after the change; never a password.
    async fn after(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.0.after.clone().map(async_graphql::Json)
    }
}

connection!(
    AdminEventConnection,
    AdminEventEdge,
    AdminEventNode,
    "A page of the administration log (Relay connection).",
    "An entry of the administration log in a page, with its cursor."
);

/// Which entries of the administration log to list.
#[derive(InputObject, Default)]
pub struct AdminEventFilterInput {
    /// Only entries about this account or unit.
    pub subject_id: Option<ID>,
    /// Only entries of this action.
    pub action: Option<AdminAction>,
    /// Only entries about what is placed in the subtree of this jurisdiction.
    pub jurisdiction_code: Option<String>,
}

#[derive(Default)]
pub struct AdministrationQuery;

#[Object]
impl AdministrationQuery {
    /// One account. `NOT_FOUND` unless the caller may read it: admins read the staff of their subtree, bureau and
    /// committee staff those of theirs, handling-unit staff those of their unit; petitioners only their own (`me`).
    async fn account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
    ) -> Result<Option<AccountNode>> {
        let scope = account_scope(caller(ctx)?);
        let id = object_id(&id, "account")?;
        let found = state(ctx).db.run(move |conn| Ok(account_model::find_visible(conn, &scope, id)?)).await?;
        Ok(Some(AccountNode(found.ok_or_else(|| AppError::not_found("account"))?)))
    }

    /// The accounts the caller may read (see `account`), oldest first: e.g. the case leads a clerk may designate
    /// (`filter: {role: CASE_LEAD, active: true}`). Petitioners get an empty list.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which accounts.")] filter: Option<AccountFilterInput>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<AccountConnection> {
        let scope = account_scope(caller(ctx)?);
        let page =
            PageArgs { first, after, last, before }.parse::<TimeKey>(state(ctx).settings.limits.max_page_size)?;
        let f = filter.unwrap_or_default();
        let filter = AccountFilter {
            role: f.role,
            unit_id: filter_id(f.unit_id.as_ref(), "filter.unitId")?,
            active: f.active,
            search: f.search.filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_owned()),
            within_path: None,
        };
        let (rows, total) = scoped_page::<AccountList>(ctx, scope, filter, f.jurisdiction_code, page).await?;
        Ok(AccountConnection::build(rows, total, account_model::key_of, AccountNode))
    }

    /// The administration log of what is placed in the admin's subtree, newest first. `FORBIDDEN` for anyone but
    /// an admin.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn admin_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries.")] filter: Option<AdminEventFilterInput>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<AdminEventConnection> {
        let subtree = admin_log_scope(caller(ctx)?).ok_or_else(|| AppError::forbidden(Message::LogForAdmins))?;
        let st = state(ctx);
        let page = PageArgs { first, after, last, before }.parse::<i64>(st.settings.limits.max_page_size)?;
        let f = filter.unwrap_or_default();
        let subject_id = filter_id(f.subject_id.as_ref(), "filter.subjectId")?;
        let count = wants_total(ctx);
        let (rows, total) = st
            .reads
            .run(move |conn| {
                let within_path = f
                    .jurisdiction_code
                    .map(|code| jurisdiction::subtree_path(conn, &code, "filter.jurisdictionCode"))
                    .transpose()?;
                let filter = AdminEventFilter { subject_id, action: f.action, within_path };
                let total = count.then(|| admin_event::count(conn, &subtree, &filter)).transpose()?;
                Ok((admin_event::list(conn, &subtree, &filter, &page)?, total.unwrap_or(0)))
            })
            .await?;
        Ok(AdminEventConnection::build(rows, total, |e| e.id, AdminEventNode))
    }
}

/// A new member of staff.
#[derive(InputObject)]
pub struct CreateStaffAccountInput {
    /// 3 to 64 letters, digits, `.`, `_` or `-`.
    pub username: String,
    /// The name others see.
    pub display_name: String,
    /// The unit the account belongs to, in the admin's subtree; its jurisdiction is the account's scope.
    pub unit_id: ID,
    /// One or more staff roles (`PETITIONER` is not one: petitioners register themselves).
    pub roles: Vec<Role>,
}

/// What to change on a staff account; what is left out stays.
#[derive(InputObject)]
pub struct UpdateStaffAccountInput {
    /// The name others see.
    pub display_name: Option<String>,
    /// A new unit, in the admin's subtree.
    pub unit_id: Option<ID>,
    /// The new roles, replacing the old.
    pub roles: Option<Vec<Role>>,
}

/// A new unit.
#[derive(InputObject)]
pub struct CreateUnitInput {
    /// The jurisdiction it belongs to, in the admin's subtree.
    pub jurisdiction_code: String,
    /// What it does in petition work.
    pub kind: UnitKind,
    /// Its official name, unique in its jurisdiction (1 to 100 characters).
    pub name: String,
}

/// What to change on a unit; what is left out stays.
#[derive(InputObject)]
pub struct UpdateUnitInput {
    /// A new official name, unique in its jurisdiction.
    pub name: Option<String>,
    /// A new kind.
    pub kind: Option<UnitKind>,
}

/// An account with a temporary password to hand to its holder.
pub struct StaffAccountPayload(WithTemporaryPassword);

/// An account with a temporary password to hand to its holder.
#[Object]
impl StaffAccountPayload {
    /// The account.
    async fn account(&self) -> AccountNode {
        AccountNode(self.0.account.clone())
    }

    /// Shown this once and stored nowhere in clear: hand it over; the holder must change it at the first sign-in.
    async fn temporary_password(&self) -> &str {
        &self.0.temporary_password
    }
}

/// `deactivateAccount` and `reactivateAccount`.
async fn set_active(ctx: &Context<'_>, id: ID, active: bool) -> Result<AccountNode> {
    let id = object_id(&id, "account")?;
    Ok(AccountNode(account_change(ctx, id, move |conn, work| accounts::set_active(conn, work, id, active)).await?))
}

/// Runs a change of account `id` in one transaction; after the commit this server forgets the account's cached
/// caller at once (the others hear of it through the commit's announcement).
async fn account_change<T: Send + 'static>(
    ctx: &Context<'_>,
    id: AccountId,
    change: impl FnOnce(&mut diesel::PgConnection, &WorkContext) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let work = work(ctx)?;
    let st = state(ctx);
    let changed = st.db.transaction(move |conn| change(conn, &work)).await?;
    st.callers.forget(id);
    Ok(changed)
}

#[derive(Default)]
pub struct AdministrationMutation;

#[Object]
impl AdministrationMutation {
    /// Creates a staff account in the admin's subtree, with a temporary password to be changed at the first
    /// sign-in. Logged in `adminEvents`.
    async fn create_staff_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: CreateStaffAccountInput,
    ) -> Result<StaffAccountPayload> {
        let work = work(ctx)?;
        let unit_id = object_id(&input.unit_id, "unit").map_err(|e| e.with_field("input.unitId"))?;
        let new = NewStaff { username: input.username, display_name: input.display_name, unit_id, roles: input.roles };
        let password = TemporaryPassword::for_admin(&work.caller).await?;
        let created = state(ctx).db.transaction(move |conn| accounts::create(conn, &work, &new, password)).await?;
        Ok(StaffAccountPayload(created))
    }

    /// Changes a staff account's display name, unit or roles. A new unit or new roles end the account's tokens (it
    /// signs in again with what it now may do). Logged in `adminEvents`.
    async fn update_staff_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateStaffAccountInput,
    ) -> Result<AccountNode> {
        let id = object_id(&id, "account")?;
        let unit_id = input.unit_id.map(|u| object_id(&u, "unit").map_err(|e| e.with_field("input.unitId")));
        let update =
            StaffUpdate { display_name: input.display_name, unit_id: unit_id.transpose()?, roles: input.roles };
        Ok(AccountNode(account_change(ctx, id, move |conn, work| accounts::update(conn, work, id, &update)).await?))
    }

    /// Deactivates an account: it cannot sign in, and its tokens and sessions end at once; its name stays in every
    /// history. The last active admin of a jurisdiction cannot deactivate itself. Logged in `adminEvents`.
    async fn deactivate_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
    ) -> Result<AccountNode> {
        set_active(ctx, id, false).await
    }

    /// Lets a deactivated account sign in again. Logged in `adminEvents`.
    async fn reactivate_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
    ) -> Result<AccountNode> {
        set_active(ctx, id, true).await
    }

    /// Creates a unit (bureau, handling unit or committee) of a jurisdiction in the admin's subtree. Logged in
    /// `adminEvents`.
    async fn create_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new unit.")] input: CreateUnitInput,
    ) -> Result<UnitNode> {
        let work = work(ctx)?;
        let create = move |conn: &mut _| units::create(conn, &work, &input.jurisdiction_code, input.kind, &input.name);
        Ok(UnitNode(state(ctx).db.transaction(create).await?))
    }

    /// Renames a unit or changes its kind. Logged in `adminEvents`.
    async fn update_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateUnitInput,
    ) -> Result<UnitNode> {
        let work = work(ctx)?;
        let id = object_id(&id, "unit")?;
        let update = move |conn: &mut _| units::update(conn, &work, id, input.name.as_deref(), input.kind);
        Ok(UnitNode(state(ctx).db.transaction(update).await?))
    }

    /// Deactivates a unit: it takes no new cases or staff, and stays for the history. Refused
    /// (`INVALID_TRANSITION`, saying how many) while open cases are with it. Logged in `adminEvents`.
    async fn deactivate_unit(&self, ctx: &Context<'_>, #[graphql(desc = "The unit's id.")] id: ID) -> Result<UnitNode> {
        let work = work(ctx)?;
        let id = object_id(&id, "unit")?;
        Ok(UnitNode(state(ctx).db.transaction(move |conn| units::deactivate(conn, &work, id)).await?))
    }

    /// Sets a new temporary password (to be changed at the next sign-in) and ends every session of the account.
    /// Logged in `adminEvents`, without the password.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
    ) -> Result<StaffAccountPayload> {
        let id = object_id(&id, "account")?;
        let password = TemporaryPassword::for_admin(caller(ctx)?).await?;
        let reset = move |conn: &mut _, work: &WorkContext| accounts::reset_password(conn, work, id, password);
        Ok(StaffAccountPayload(account_change(ctx, id, reset).await?))
    }
}
