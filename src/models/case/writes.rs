//! How cases are written: intake's insert (with its first history entry, and the check for an earlier similar
//! case), the reference serials' counter, and the updates each step makes.

use super::*;
use crate::domain::ids::AccountId;
use crate::domain::ids::UnitId;
use crate::domain::permission::Decision;
use crate::domain::role::ActorRole;

/// An earlier case intake found for a new petition.
#[derive(Queryable, Debug)]
pub struct EarlierCase {
    pub id: CaseId,
    pub status: CaseStatus,
    /// The materialised path of its jurisdiction.
    pub path: String,
}

/// The most relevant earlier live case of the same petitioner (by account, ID number or phone) on a similar matter
/// (trigram similarity of title and content of at least 0.3, which works for Chinese too): final ones first, then
/// those already accepted (which bar a new petition higher up), then the most similar, then the oldest (the
/// original rather than its repeats). Each arm is answered by an index on petitioner and text together
/// (migrations/…_similar_matter_indexes, …_intake_plans); the similarity is computed again only for the cases it
/// finds.
pub(in crate::models) fn earlier_similar(
    conn: &mut PgConnection,
    person: &SamePerson<'_>,
    text: &str,
) -> QueryResult<Option<EarlierCase>> {
    let SamePerson { account, id_number, phone } = *person;
    if account.is_none() && id_number.is_none() && phone.is_none() {
        return Ok(None);
    }
    EarlierSimilar { account: account.map(|a| a.to_string()), id_number, phone, text }.get_result(conn).optional()
}

/// How intake knows a petitioner again: by their account, ID number or phone, whichever the petition has.
#[derive(Clone, Copy)]
pub struct SamePerson<'a> {
    pub account: Option<AccountId>,
    pub id_number: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// The statement of [`earlier_similar`], written by hand and prepared once per connection (diesel's `sql_query`
/// never is). Planning it anew cost more than all the rest of an intake: the planner estimated `%` by computing the
/// similarity of the text to a hundred sampled ones per arm, about 6 ms. So every value enters through a one-row
/// CTE, where the planner sees parameters, not constants: its first plans then cost what its generic plan costs,
/// and PostgreSQL keeps the generic plan after five executions and plans no more.
///
/// One arm per identity, each the exact shape of its index (written as one OR, the planner would factor the
/// similarity out of the arms and scan; the account is compared as text, the key of its index, so that the
/// petitioner's btree index, which holds closed cases too, cannot answer instead; the text is `title || (' ' ||
/// content)`, the same string as the text search's, but not the expression of its GIN index, which supports `%`
/// too and was chosen, at 200 ms a search, whenever the statistics lagged behind intake: migration 21). `%` is
/// similarity >= pg_trgm.similarity_threshold, 0.3 by default; the outer condition holds the rule to 0.3 whatever
/// that says.
struct EarlierSimilar<'a> {
    account: Option<String>,
    id_number: Option<&'a str>,
    phone: Option<&'a str>,
    text: &'a str,
}

impl diesel::query_builder::QueryId for EarlierSimilar<'_> {
    type QueryId = EarlierSimilar<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for EarlierSimilar<'_> {
    type SqlType = (diesel::sql_types::Uuid, diesel::sql_types::Text, diesel::sql_types::Text);
}

impl RunQueryDsl<PgConnection> for EarlierSimilar<'_> {}

impl diesel::query_builder::QueryFragment<Pg> for EarlierSimilar<'_> {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::{Nullable, Text};
        const LIVE: &str = "status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED')";
        out.push_sql("WITH given AS MATERIALIZED (SELECT ");
        out.push_bind_param::<Nullable<Text>, _>(&self.account)?;
        out.push_sql("::text AS account, ");
        out.push_bind_param::<Nullable<Text>, _>(&self.id_number)?;
        out.push_sql("::text AS id_number, ");
        out.push_bind_param::<Nullable<Text>, _>(&self.phone)?;
        out.push_sql("::text AS phone, ");
        out.push_bind_param::<Text, _>(&self.text)?;
        out.push_sql("::text AS text) ");
        out.push_sql(&format!(
            "SELECT c.id, c.status, j.path FROM cases c JOIN jurisdictions j ON j.code = c.jurisdiction_code
             WHERE c.id IN (
                 SELECT id FROM cases WHERE petitioner_account_id::text = (SELECT account FROM given)
                     AND (title || (' ' || content)) % (SELECT text FROM given) AND {LIVE}
                 UNION ALL
                 SELECT id FROM cases WHERE petitioner_id_number = (SELECT id_number FROM given)
                     AND (title || (' ' || content)) % (SELECT text FROM given) AND {LIVE}
                 UNION ALL
                 SELECT id FROM cases WHERE petitioner_phone = (SELECT phone FROM given)
                     AND (title || (' ' || content)) % (SELECT text FROM given) AND {LIVE})
               AND similarity(c.title || ' ' || c.content, (SELECT text FROM given)) >= 0.3
             ORDER BY (c.status = 'FINAL') DESC,
                      (c.status NOT IN ('SUBMITTED', 'FORWARDED', 'ASSIGNED', 'OBJECTED')) DESC,
                      similarity(c.title || ' ' || c.content, (SELECT text FROM given)) DESC, c.received_at, c.id
             LIMIT 1"
        ));
        Ok(())
    }
}

/// A case as intake writes it. Every column is bound, NULL or not, so that the statement's text is one (see
/// [`WithHistory`]'s query id).
#[derive(Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
pub struct NewCase<'a> {
    pub id: CaseId,
    pub reference: &'a str,
    pub query_code_hash: &'a [u8],
    pub jurisdiction_code: &'a str,
    pub township_code: Option<&'a str>,
    pub status: CaseStatus,
    pub channel: Channel,
    pub category: Option<Category>,
    pub title: &'a str,
    pub content: &'a str,
    pub petitioner_name: &'a str,
    pub petitioner_account_id: Option<AccountId>,
    pub is_anonymous: bool,
    pub group_size: i32,
    pub received_at: DateTime<Utc>,
    pub repeat_of_case_id: Option<CaseId>,
    pub representatives: serde_json::Value,
    pub disposition_note: Option<&'a str>,
    pub petitioner_phone: Option<&'a str>,
    pub petitioner_id_number: Option<&'a str>,
    /// The earliest deadline staff owe, from the history written with the case.
    pub next_due_at: Option<DateTime<Utc>>,
    pub received_level: ReceivedLevel,
    pub received_by_code: Option<&'a str>,
    #[diesel(embed)]
    pub handling: Handling,
}

pub fn insert(conn: &mut PgConnection, _decided: &impl Decision, new: &NewCase<'_>) -> QueryResult<Case> {
    insert_statement(new).get_result(conn)
}

/// The insert of a new case, returning it.
fn insert_statement<'a>(
    new: &'a NewCase<'a>,
) -> impl diesel::query_builder::QueryFragment<Pg> + diesel::query_dsl::LoadQuery<'a, PgConnection, Case> + 'a {
    diesel::insert_into(cases::table).values(new).returning(Case::as_returning())
}

/// Writes a new case with its first history entries (which must name it) and its deadlines in one statement: one
/// round trip, planned once per connection whatever the number of entries. The statement's triggers (figures,
/// foreign keys) run at its end, when the case row is there for the others. The entries are announced to live
/// subscribers once committed.
pub fn insert_with_history(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    new: &NewCase<'_>,
    entries: &[NewCaseEvent<'_>],
    deadlines: &[Deadline],
) -> QueryResult<Case> {
    debug_assert!(entries.iter().all(|e| e.case_id == new.id && e.jurisdiction_code == new.jurisdiction_code));
    let write = WithHistory {
        case: insert_statement(new),
        kinds: entries.iter().map(|e| e.entry.kind.as_str()).collect(),
        from_statuses: entries.iter().map(|e| e.entry.from_status.map(CaseStatus::as_str)).collect(),
        to_statuses: entries.iter().map(|e| e.entry.to_status.map(CaseStatus::as_str)).collect(),
        actors: entries.iter().map(|e| e.entry.actor_account_id).collect(),
        actor_roles: entries.iter().map(|e| e.entry.actor_role.map(ActorRole::as_str)).collect(),
        occurred: entries.iter().map(|e| e.entry.occurred_at).collect(),
        notes: entries.iter().map(|e| e.entry.note.as_deref()).collect(),
        payloads: entries.iter().map(|e| &e.entry.payload).collect(),
        staff_only: entries.iter().map(|e| e.staff_only).collect(),
        deadline_kinds: deadlines.iter().map(|d| d.kind.as_str()).collect(),
        starts: deadlines.iter().map(|d| d.starts_at).collect(),
        dues: deadlines.iter().map(|d| d.due_at).collect(),
        mets: deadlines.iter().map(|d| d.met_at).collect(),
        waived: deadlines.iter().map(|d| d.waived).collect(),
    };
    let (case, ids): (Case, Vec<i64>) = write.get_result(conn)?;
    ids.iter().for_each(|id| crate::db::announce::case_entry_written(*id));
    Ok(case)
}

/// The statement of [`insert_with_history`]: the case's insert (diesel's own) as a CTE, and the entries and
/// deadlines from arrays, so that its text does not depend on how many there are.
struct WithHistory<'a, I> {
    case: I,
    kinds: Vec<&'static str>,
    from_statuses: Vec<Option<&'static str>>,
    to_statuses: Vec<Option<&'static str>>,
    actors: Vec<Option<AccountId>>,
    actor_roles: Vec<Option<&'a str>>,
    occurred: Vec<DateTime<Utc>>,
    notes: Vec<Option<&'a str>>,
    payloads: Vec<&'a serde_json::Value>,
    staff_only: Vec<bool>,
    deadline_kinds: Vec<&'static str>,
    starts: Vec<DateTime<Utc>>,
    dues: Vec<DateTime<Utc>>,
    mets: Vec<Option<DateTime<Utc>>>,
    waived: Vec<bool>,
}

/// The columns of a case, in the order of [`Case`]'s fields.
type CaseRow = diesel::dsl::SqlTypeOf<<Case as Selectable<Pg>>::SelectExpression>;

impl<I> diesel::query_builder::QueryId for WithHistory<'_, I> {
    type QueryId = WithHistory<'static, ()>;
    // One statement text: the case's insert binds every column, NULL or not.
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<I> diesel::query_builder::Query for WithHistory<'_, I> {
    type SqlType = (CaseRow, diesel::sql_types::Array<diesel::sql_types::BigInt>);
}

impl<I> RunQueryDsl<PgConnection> for WithHistory<'_, I> {}

impl<I: diesel::query_builder::QueryFragment<Pg>> diesel::query_builder::QueryFragment<Pg> for WithHistory<'_, I> {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::{Array, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
        out.push_sql("WITH c AS (");
        self.case.walk_ast(out.reborrow())?;
        out.push_sql(
            "), e AS (INSERT INTO case_events (case_id, jurisdiction_code, kind, from_status, to_status, \
             actor_account_id, actor_role, occurred_at, note, payload, staff_only) \
             SELECT c.id, c.jurisdiction_code, x.kind, x.from_status, x.to_status, x.actor_account_id, x.actor_role, \
             x.occurred_at, x.note, x.payload, x.staff_only FROM c, unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.kinds)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.from_statuses)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.to_statuses)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<SqlUuid>>, _>(&self.actors)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.actor_roles)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.occurred)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.notes)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Jsonb>, _>(&self.payloads)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Bool>, _>(&self.staff_only)?;
        // Entries keep the order given: their ids rise with it, and the history's order on equal times follows.
        out.push_sql(
            ") WITH ORDINALITY AS x(kind, from_status, to_status, actor_account_id, actor_role, occurred_at, note, \
             payload, staff_only, n) ORDER BY x.n RETURNING id), \
             d AS (INSERT INTO case_deadlines (case_id, seq, jurisdiction_code, kind, starts_at, due_at, met_at, \
             waived) SELECT c.id, x.n - 1, c.jurisdiction_code, x.kind, x.starts_at, x.due_at, x.met_at, x.waived \
             FROM c, unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.deadline_kinds)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.starts)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.dues)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Timestamptz>>, _>(&self.mets)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Bool>, _>(&self.waived)?;
        out.push_sql(
            ") WITH ORDINALITY AS x(kind, starts_at, due_at, met_at, waived, n)) \
             SELECT c.*, ARRAY(SELECT id FROM e ORDER BY id) FROM c",
        );
        Ok(())
    }
}

/// The next serial number of a reference for `jurisdiction` in `year`, atomically.
pub fn next_serial(conn: &mut PgConnection, jurisdiction: &str, year: i32) -> QueryResult<i32> {
    reserve_serials(conn, jurisdiction, year, 1)
}

/// Reserves the next `n` serial numbers of references for `jurisdiction` in `year`, atomically; returns the last
/// of them. Run outside a transaction, the counter's row is locked only for this one statement.
pub fn reserve_serials(conn: &mut PgConnection, jurisdiction: &str, year: i32, n: i32) -> QueryResult<i32> {
    use crate::db::schema::reference_counters as rc;
    diesel::insert_into(rc::table)
        .values((rc::jurisdiction_code.eq(jurisdiction), rc::year.eq(year), rc::last_serial.eq(n)))
        .on_conflict((rc::jurisdiction_code, rc::year))
        .do_update()
        .set(rc::last_serial.eq(rc::last_serial + n))
        .returning(rc::last_serial)
        .get_result(conn)
}

/// The columns a step of the lifecycle may change.
#[derive(AsChangeset, Default, Debug)]
#[diesel(table_name = cases)]
pub struct CaseUpdate {
    pub status: Option<CaseStatus>,
    pub current_unit_id: Option<Option<UnitId>>,
    pub category: Option<Option<Category>>,
    pub handling_days: Option<Option<i32>>,
    pub routing: Option<Option<Routing>>,
    pub case_lead_account_id: Option<Option<AccountId>>,
    pub is_backlog: Option<bool>,
    pub outcome: Option<Option<Outcome>>,
    pub resolution_plan: Option<Option<serde_json::Value>>,
    pub evaluation: Option<Option<serde_json::Value>>,
    pub disposition_note: Option<Option<String>>,
}

/// Applies `update`, sets the derived `next_due_at`, and bumps the version.
pub fn apply_update(
    conn: &mut PgConnection,
    decided: &impl Decision,
    id: CaseId,
    update: &CaseUpdate,
    next_due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<Case> {
    crate::models::decided_for(decided, id)?;
    diesel::update(cases::table.find(id))
        .set((
            update,
            cases::next_due_at.eq(next_due_at),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .returning(Case::as_returning())
        .get_result(conn)
}

/// Sets `next_due_at` of many cases in one statement (after their deadlines were stored in bulk).
pub fn set_next_due_many(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    dues: &[(CaseId, Option<DateTime<Utc>>)],
) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Nullable, Timestamptz, Uuid as SqlUuid};
    let (ids, at): (Vec<CaseId>, Vec<Option<DateTime<Utc>>>) = dues.iter().copied().unzip();
    diesel::sql_query(
        "UPDATE cases SET next_due_at = d.at FROM unnest($1::uuid[], $2::timestamptz[]) AS d(id, at)
         WHERE cases.id = d.id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Nullable<Timestamptz>>, _>(at)
    .execute(conn)
}
