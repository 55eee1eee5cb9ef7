//! Serial numbers of case references, reserved in blocks: the one piece of intake a server process keeps in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use diesel::PgConnection;

use super::case as case_model;
use crate::error::{AppError, AppResult};

/// Serial numbers of references (`<county>-<year>-<serial>`), handed out by this server process from blocks it
/// reserves in the database, `block` at a time, each in a statement of its own outside any transaction. Serials are
/// unique and rise within a process; a block's unused rest is lost when the process stops, and a serial taken by an
/// intake that then fails is not reused, so references may have gaps (nothing requires them not to).
pub struct ReferenceSerials {
    block: i32,
    /// Per jurisdiction and year: the next serial to hand out and the last one reserved.
    free: Mutex<HashMap<(String, i32), (i32, i32)>>,
}

impl ReferenceSerials {
    pub fn new(block: i32) -> ReferenceSerials {
        ReferenceSerials { block: block.max(1), free: Mutex::new(HashMap::new()) }
    }

    /// The next serial for `jurisdiction` in `year`. `conn` must not be inside a transaction: a reservation is
    /// committed at once, so that the counter's row is not held while the intake writes.
    pub fn take(&self, conn: &mut PgConnection, jurisdiction: &str, year: i32) -> AppResult<i32> {
        // Held while reserving (once per block): the others wait a statement's time, not a transaction's.
        let mut free = self.free.lock().map_err(|_| AppError::internal("reference serials poisoned"))?;
        let key = (jurisdiction.to_owned(), year);
        match free.get_mut(&key) {
            Some((next, last)) if *next <= *last => {
                *next += 1;
                Ok(*next - 1)
            }
            _ => {
                let last = case_model::reserve_serials(conn, jurisdiction, year, self.block)?;
                let first = last - self.block + 1;
                free.insert(key, (first + 1, last));
                Ok(first)
            }
        }
    }
}
