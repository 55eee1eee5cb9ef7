//! Idempotency keys of mutations a mobile client may retry (`submitPetition`): the first result is found again.

use diesel::prelude::*;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::db::schema::idempotency_keys as ik;

/// Holds, until the transaction ends, the one lock that requests with this account and key take: a retry sent
/// while the first request is still writing waits for it, and then finds its result. Other keys do not wait.
pub fn lock(conn: &mut PgConnection, account: Uuid, key: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2, 0))")
        .bind::<SqlUuid, _>(account)
        .bind::<Text, _>(key)
        .execute(conn)?;
    Ok(())
}

/// The case created by the request with this account and key, if one was.
pub fn case_of(conn: &mut PgConnection, account: Uuid, key: &str) -> QueryResult<Option<Uuid>> {
    ik::table.filter(ik::account_id.eq(account).and(ik::key.eq(key))).select(ik::case_id).first(conn).optional()
}

/// Records that the request with this account and key (of `operation`) created `case_id`.
pub fn record(conn: &mut PgConnection, account: Uuid, key: &str, operation: &str, case_id: Uuid) -> QueryResult<()> {
    diesel::insert_into(ik::table)
        .values((ik::account_id.eq(account), ik::key.eq(key), ik::operation.eq(operation), ik::case_id.eq(case_id)))
        .execute(conn)?;
    Ok(())
}
