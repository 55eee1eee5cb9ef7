//! Whether a production server has used this database (`served_environments`): written by the owner at every
//! production start, read by the tools that write made-up data.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::served_environments;
use crate::domain::permission::Decision;

const PRODUCTION: &str = "production";

/// Records that a production server uses this database (once; later starts change nothing).
pub fn mark_production(conn: &mut PgConnection, _decided: &impl Decision) -> QueryResult<()> {
    diesel::insert_into(served_environments::table)
        .values(served_environments::environment.eq(PRODUCTION))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(drop)
}

/// When a production server first used this database, if one ever did.
pub fn production_since(conn: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    served_environments::table
        .filter(served_environments::environment.eq(PRODUCTION))
        .select(served_environments::first_served_at)
        .first(conn)
        .optional()
}
