//! Refresh tokens: rotated on every use; a reused token revokes its whole family.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::refresh_tokens;
use crate::domain::ids::AccountId;
use crate::domain::permission::Decision;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshToken {
    pub id: Uuid,
    pub account_id: AccountId,
    pub family_id: Uuid,
    pub token_version: i32,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub fn insert(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    account_id: AccountId,
    family_id: Uuid,
    token_hash: &[u8],
    token_version: i32,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::new_v4()),
            refresh_tokens::account_id.eq(account_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::token_version.eq(token_version),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Finds a token by hash and locks its row, so that two concurrent uses of one token cannot both rotate it.
pub fn find_for_update(conn: &mut PgConnection, token_hash: &[u8]) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn mark_used(conn: &mut PgConnection, _decided: &impl Decision, id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id)).set(refresh_tokens::used_at.eq(now)).execute(conn).map(|_| ())
}

pub fn revoke_family(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::family_id.eq(family_id)))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(now))
        .execute(conn)
}

/// The sessions (families) revoked since `since`.
pub fn revoked_since(conn: &mut PgConnection, since: DateTime<Utc>) -> QueryResult<Vec<Uuid>> {
    refresh_tokens::table
        .filter(refresh_tokens::revoked_at.gt(since))
        .select(refresh_tokens::family_id)
        .distinct()
        .load(conn)
}

/// Ends every session of the account (each revoked family is announced, so its access tokens stop at once).
pub fn revoke_account(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::account_id.eq(account_id)))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(now))
        .execute(conn)
}
