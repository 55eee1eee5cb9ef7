//! Least privilege: the server works as a role that owns nothing. Migrations, the demo data, the deadline backfill
//! and bulk loads run as the owner of the tables (`MIGRATION_DATABASE_URL`); the server's own role (`DATABASE_URL`)
//! gets exactly the table privileges below, granted by the owner at every start-up, so a new table or a narrowed
//! privilege reaches existing installations with the next deployment.
//!
//! History (`case_events`, `supervision_notice_events`, `admin_events`) is SELECT and INSERT only. Besides the append-only
//! triggers, the runtime role cannot get round them: disabling a trigger, replacing its function or `ALTER TABLE`
//! need ownership, and `session_replication_role` needs a superuser.

use diesel::pg::PgConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};

/// What the server may do with each table. Every table of the schema must be listed (a test checks), so that a new
/// table is a decision, not an accident.
pub const RUNTIME_PRIVILEGES: &[(&str, &str)] = &[
    // The jurisdictions are given (regions.csv); units are made and changed by admins through the API.
    ("jurisdictions", "SELECT"),
    ("units", "SELECT, INSERT, UPDATE"),
    // Registration creates petitioners; sign-in, password changes and lock-outs update accounts.
    ("accounts", "SELECT, INSERT, UPDATE"),
    ("refresh_tokens", "SELECT, INSERT, UPDATE"),
    ("cases", "SELECT, INSERT, UPDATE"),
    ("idempotency_keys", "SELECT, INSERT"),
    ("escalations", "SELECT, INSERT, UPDATE"),
    ("reference_counters", "SELECT, INSERT, UPDATE"),
    // Stored deadlines are derived from the history and replaced when it moves.
    ("case_deadlines", "SELECT, INSERT, UPDATE, DELETE"),
    ("supervision_notices", "SELECT, INSERT, UPDATE"),
    ("supervision_notice_cases", "SELECT, INSERT"),
    // Reception days: scheduled, published or cancelled; bookings made and given up.
    ("reception_sessions", "SELECT, INSERT, UPDATE"),
    ("reception_bookings", "SELECT, INSERT, UPDATE"),
    ("reception_visits", "SELECT, INSERT"),
    // Files are added and withdrawn (an update of the withdrawal columns), never deleted.
    ("attachments", "SELECT, INSERT, UPDATE"),
    // The history: appended to, never rewritten.
    ("case_events", "SELECT, INSERT"),
    ("supervision_notice_events", "SELECT, INSERT"),
    ("admin_events", "SELECT, INSERT"),
    // Webhooks: made and changed by admins, leased and moved on by the delivery workers; every attempt recorded.
    ("webhooks", "SELECT, INSERT, UPDATE"),
    ("webhook_deliveries", "SELECT, INSERT"),
    // The portal figures' aggregates: the triggers append differences, the compaction folds them into totals.
    ("figure_settings", "SELECT"),
    ("case_figures", "SELECT, INSERT, UPDATE, DELETE"),
    ("case_figure_changes", "SELECT, INSERT, DELETE"),
    ("open_deadline_figures", "SELECT, INSERT, UPDATE, DELETE"),
    ("open_deadline_figure_changes", "SELECT, INSERT, DELETE"),
    ("open_case_figures", "SELECT, INSERT, UPDATE, DELETE"),
    ("open_case_figure_changes", "SELECT, INSERT, DELETE"),
    // Written by the owner at a production start, read by the owner's tools: nothing.
    ("served_environments", ""),
    // diesel's record of applied migrations: nothing.
    ("__diesel_schema_migrations", ""),
];

/// Grants `role` the runtime privileges (and takes away any others it had on these tables), in one transaction.
/// Run by the owner of the tables.
pub fn grant_runtime_privileges(conn: &mut PgConnection, role: &str) -> anyhow::Result<()> {
    let role = quote_identifier(role);
    conn.transaction(|conn| {
        diesel::sql_query(format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")).execute(conn)?;
        diesel::sql_query(format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")).execute(conn)?;
        for (table, privileges) in RUNTIME_PRIVILEGES.iter().filter(|(_, p)| !p.is_empty()) {
            diesel::sql_query(format!("GRANT {privileges} ON {table} TO {role}")).execute(conn)?;
        }
        diesel::sql_query(format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")).execute(conn)?;
        diesel::QueryResult::Ok(())
    })?;
    Ok(())
}

/// The role a connection works as, and what it could do beyond its grants.
#[derive(Debug, QueryableByName)]
pub struct RoleCheck {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub role: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub superuser: bool,
    /// Tables, sequences, functions or the schema of the database it owns.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub owned: i64,
}

impl RoleCheck {
    /// Whether this role could rewrite history (by owning the tables or being a superuser).
    pub fn is_privileged(&self) -> bool {
        self.superuser || self.owned > 0
    }
}

pub fn check_role(conn: &mut PgConnection) -> diesel::QueryResult<RoleCheck> {
    diesel::sql_query(
        "SELECT current_user::text AS role, \
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser, \
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                  WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user) \
              + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                  WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = current_user) AS owned",
    )
    .get_result(conn)
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier(r#"app"; DROP TABLE cases; --"#), r#""app""; DROP TABLE cases; --""#);
    }

    #[test]
    fn history_is_never_granted_more_than_reading_and_appending() {
        for table in ["case_events", "supervision_notice_events", "admin_events"] {
            let (_, privileges) = RUNTIME_PRIVILEGES.iter().find(|(t, _)| *t == table).unwrap();
            assert_eq!(*privileges, "SELECT, INSERT");
        }
    }
}
