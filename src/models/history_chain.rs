//! The hash chains' side of the histories (migration 24): their entries as the verifier reads them, and the head
//! of each case's chain. Every reader here ignores scope; `unscoped.rs` wraps them with the reasons.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int4, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::db::schema::{case_events, cases};
use crate::domain::chain::{History, StoredEntry};
use crate::domain::ids::CaseId;

/// The column naming an entry's chain, and its columns as text in the order of the canonical form
/// (`domain::chain`).
fn columns_of(history: History) -> (&'static str, &'static str) {
    // Instants as microseconds since the epoch, whatever the session's time zone.
    match history {
        History::Cases => (
            "case_id",
            "ARRAY[id::text, case_id::text, jurisdiction_code, kind, from_status, to_status, \
             actor_account_id::text, actor_role, (extract(epoch FROM occurred_at) * 1000000)::bigint::text, \
             (extract(epoch FROM recorded_at) * 1000000)::bigint::text, note, payload::text, staff_only::text]",
        ),
        History::Notices => (
            "notice_id",
            "ARRAY[id::text, notice_id::text, jurisdiction_code, kind, from_status, to_status, \
             actor_account_id::text, actor_role, (extract(epoch FROM occurred_at) * 1000000)::bigint::text, note, \
             payload::text]",
        ),
        // One chain: its key is the nil UUID.
        History::Administration => (
            "'00000000-0000-0000-0000-000000000000'::uuid",
            "ARRAY[id::text, (extract(epoch FROM occurred_at) * 1000000)::bigint::text, actor_account_id::text, \
             actor_name, action, subject_kind, subject_id::text, jurisdiction_code, before::text, after::text]",
        ),
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    chain: String,
    #[diesel(sql_type = Int4)]
    chain_position: i32,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    columns: Vec<Option<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    prev_digest: Option<String>,
    #[diesel(sql_type = Text)]
    digest: String,
}

/// Up to `limit` entries of `history` after `after` (a chain and a place in it), in chain order (which the chains'
/// unique indexes give); of one case's chain only when `case` is given (then none of the other histories).
pub(in crate::models) fn entries(
    conn: &mut PgConnection,
    history: History,
    case: Option<Uuid>,
    after: Option<(Uuid, i32)>,
    limit: i64,
) -> QueryResult<Vec<StoredEntry>> {
    let (chain, columns) = columns_of(history);
    let table = history.table();
    let of_case = if history == History::Cases { "case_id" } else { "NULL::uuid" };
    let sql = format!(
        "SELECT id, {chain}::text AS chain, chain_position, {columns} AS columns, prev_digest, digest FROM {table} \
         WHERE ({chain}, chain_position) > ($1, $2) AND ($4::uuid IS NULL OR {of_case} = $4) \
         ORDER BY {chain}, chain_position LIMIT $3"
    );
    let (after_chain, after_position) = after.unwrap_or((Uuid::nil(), 0));
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(after_chain)
        .bind::<Int4, _>(after_position)
        .bind::<BigInt, _>(limit)
        .bind::<Nullable<SqlUuid>, _>(case)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| StoredEntry {
            id: r.id,
            chain: r.chain,
            position: r.chain_position,
            columns: r.columns,
            prev_digest: r.prev_digest,
            digest: r.digest,
        })
        .collect())
}

/// The digest of the last entry of each case's history: (case id, digest).
pub(in crate::models) fn heads(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<(CaseId, String)>> {
    case_events::table
        .filter(case_events::case_id.eq_any(case_ids))
        .distinct_on(case_events::case_id)
        .order((case_events::case_id, case_events::chain_position.desc()))
        .select((case_events::case_id, case_events::digest))
        .load(conn)
}

/// The references of cases, to name them in a report: (case id, reference).
pub(in crate::models) fn references(
    conn: &mut PgConnection,
    case_ids: &[CaseId],
) -> QueryResult<Vec<(CaseId, String)>> {
    cases::table.filter(cases::id.eq_any(case_ids)).select((cases::id, cases::reference)).load(conn)
}
