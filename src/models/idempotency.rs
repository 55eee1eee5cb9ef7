//! Idempotency keys of mutations a mobile client may retry (`submitPetition`): the first result is found again.

use diesel::prelude::*;

use crate::db::schema::idempotency_keys as ik;
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::permission::Decision;

/// Claims this account's `key` for `case_id`, the case the request is about to write in the same transaction.
/// Returns whether the claim is this request's. A twin sent at the same moment waits here, on the key's unique
/// index, until the first request's transaction ends: if it committed, the claim is the first's (`false`, and
/// [`case_of`] finds its case); if it rolled back, the twin claims the key itself. Requests with other keys do not
/// wait, and no lock is taken before the claim.
pub fn claim(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    account: AccountId,
    key: &str,
    operation: &str,
    case_id: CaseId,
) -> QueryResult<bool> {
    let claimed = diesel::insert_into(ik::table)
        .values((ik::account_id.eq(account), ik::key.eq(key), ik::operation.eq(operation), ik::case_id.eq(case_id)))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(claimed == 1)
}

/// The case created by the request with this account and key, if one was.
pub fn case_of(conn: &mut PgConnection, account: AccountId, key: &str) -> QueryResult<Option<CaseId>> {
    ik::table.filter(ik::account_id.eq(account).and(ik::key.eq(key))).select(ik::case_id).first(conn).optional()
}
