//! Guards for any field: `#[graphql(guard = "RoleGuard::any(&[Role::Clerk, Role::CaseLead])")]`.
//!
//! A guard answers the coarse question "may this kind of caller use this field at all"; object-level scope (which
//! cases, which units) is the job of the queries behind the field (`crate::domain::access`).

use async_graphql::{Context, Guard, Result};

use super::context::caller;
use crate::domain::role::Role;
use crate::error::AppError;

/// Lets through authenticated callers holding at least one of the roles.
pub struct RoleGuard {
    roles: &'static [Role],
}

impl RoleGuard {
    pub const fn any(roles: &'static [Role]) -> Self {
        RoleGuard { roles }
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let caller = caller(ctx)?;
        if caller.has_any_role(self.roles) {
            Ok(())
        } else {
            let names: Vec<&str> = self.roles.iter().map(|r| r.as_str()).collect();
            Err(AppError::forbidden(format!("this needs one of the roles {}", names.join(", "))).into())
        }
    }
}
