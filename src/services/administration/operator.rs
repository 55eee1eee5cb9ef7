//! The operator: whoever runs an administrative command of the binary with the database owner's credentials
//! (`MIGRATION_DATABASE_URL`). The connection is the capability: [`Operator::connect`] asks the database whether the
//! role it connected as owns the tables (or is a superuser), and only then holds an administration proof, which the
//! commands' writes require. The server's own role, which owns nothing, is refused.

use diesel::prelude::*;

use crate::domain::permission::{act, authorize_operator, Authorized, TableOwner};
use crate::error::{AppError, AppResult};

/// A connection as the owner of the tables, and the administration proof it earned.
pub struct Operator {
    conn: PgConnection,
    proof: Authorized<act::Administer>,
}

impl Operator {
    /// Connects to `owner_url` and checks that its role owns the tables (or is a superuser).
    pub fn connect(owner_url: &str) -> anyhow::Result<Operator> {
        use anyhow::Context;
        let mut conn = PgConnection::establish(owner_url)
            .context("cannot connect to the database as the owner of its tables (MIGRATION_DATABASE_URL)")?;
        let owner = owner_of_tables(&mut conn).map_err(|e| anyhow::anyhow!("{}", e.message))?.ok_or_else(|| {
            anyhow::anyhow!(
                "MIGRATION_DATABASE_URL connects as a role that does not own the tables: the commands need the \
                 owner's credentials"
            )
        })?;
        Ok(Operator { conn, proof: authorize_operator(&owner) })
    }

    /// The connection and the proof, for the commands' writes.
    pub(crate) fn parts(&mut self) -> (&mut PgConnection, &Authorized<act::Administer>) {
        (&mut self.conn, &self.proof)
    }
}

/// The database's answer: whether the connected role owns the tables (the one that ran the migrations), or is a
/// superuser.
fn owner_of_tables(conn: &mut PgConnection) -> AppResult<Option<TableOwner>> {
    #[derive(QueryableByName)]
    struct Answer {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        owns: bool,
    }
    let answer: Answer = diesel::sql_query(
        "SELECT coalesce((SELECT tableowner = current_user FROM pg_tables WHERE schemaname = 'public' \
         AND tablename = 'cases'), false) OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS owns",
    )
    .get_result(conn)
    .map_err(|e| AppError::internal(format!("cannot ask who owns the tables: {e}")))?;
    Ok(TableOwner::confirmed(answer.owns))
}
