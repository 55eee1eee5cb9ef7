//! The hash chains of the histories (migration 24): what an entry's digest covers, and how a walk over the stored
//! entries tells which of them no longer match. The database computes the digests at insert; this is the same
//! canonical form, written again on its own, so that the verifier does not trust the database's functions (whoever
//! could rewrite a row could replace those too).
//!
//! The canonical form of an entry: `<table>/<version>;`, then every column in a fixed order, each as
//! `<length in bytes>:<text>;` or `-;` for NULL (instants as microseconds since the epoch, JSON as PostgreSQL writes
//! `jsonb`), then the entry's place in its chain and the digest of the entry before it. The digest is the SHA-256 of
//! that text, in lowercase hex.

use sha2::{Digest, Sha256};

/// One of the histories that are chained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum History {
    /// A case's history (`case_events`): one chain per case.
    Cases,
    /// A supervision notice's history (`supervision_notice_events`): one chain per notice.
    Notices,
    /// The administration log (`admin_events`): one chain.
    Administration,
}

impl History {
    pub const ALL: [History; 3] = [History::Cases, History::Notices, History::Administration];

    /// The table, as named in the canonical form and in the verifier's report.
    pub const fn table(self) -> &'static str {
        match self {
            History::Cases => "case_events",
            History::Notices => "supervision_notice_events",
            History::Administration => "admin_events",
        }
    }

    /// The canonical form's version for this table; a change of columns is a new version.
    const fn version(self) -> u32 {
        1
    }
}

/// One stored entry, as the verifier reads it: its columns rendered as text in the table's order (without the
/// chain's own columns), its chain (the case's or notice's id; empty for the administration log), its place, the
/// digest it names as its predecessor's, and its own stored digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: i64,
    pub chain: String,
    pub position: i32,
    pub columns: Vec<Option<String>>,
    pub prev_digest: Option<String>,
    pub digest: String,
}

/// The digest an entry of `history` should carry.
pub fn digest_of(history: History, entry: &StoredEntry) -> String {
    let mut canonical = format!("{}/{};", history.table(), history.version());
    let position = entry.position.to_string();
    let chain_fields = [Some(position.as_str()), entry.prev_digest.as_deref()];
    for field in entry.columns.iter().map(Option::as_deref).chain(chain_fields) {
        match field {
            None => canonical.push_str("-;"),
            Some(text) => {
                canonical.push_str(&text.len().to_string());
                canonical.push(':');
                canonical.push_str(text);
                canonical.push(';');
            }
        }
    }
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Why an entry is named by the verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// Its content (any column, its place or its link included) is not what its digest was computed over.
    ContentChanged,
    /// Its content matches its digest, but the next entry was written after a different one: the entry was
    /// rewritten and its digest computed again.
    RewrittenWithItsDigest,
    /// Entries are missing before it in its chain (it is at `position`, the one before at `after`).
    EntriesMissingBefore { after: i32 },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::ContentChanged => {
                write!(f, "its content does not match its digest (changed after it was written)")
            }
            Mismatch::RewrittenWithItsDigest => {
                write!(f, "it was rewritten and its digest computed again: the entry after it names another digest")
            }
            Mismatch::EntriesMissingBefore { after } if *after == 0 => {
                write!(f, "the entries before it in its chain are missing")
            }
            Mismatch::EntriesMissingBefore { after } => {
                write!(f, "entries after position {after} of its chain are missing before it")
            }
        }
    }
}

/// An entry that does not match, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub id: i64,
    pub chain: String,
    pub mismatch: Mismatch,
}

/// A walk over one history's entries, in chain order (by chain, then position), that collects every mismatch.
/// It holds one entry at a time, so a history of any length is checked in pages.
pub struct ChainWalk {
    history: History,
    last: Option<Walked>,
    findings: Vec<Finding>,
    entries: u64,
}

/// What the walk keeps of the entry before.
struct Walked {
    id: i64,
    chain: String,
    position: i32,
    digest: String,
}

impl ChainWalk {
    pub fn new(history: History) -> ChainWalk {
        ChainWalk { history, last: None, findings: Vec::new(), entries: 0 }
    }

    /// Checks the next entry.
    pub fn push(&mut self, entry: &StoredEntry) {
        self.entries += 1;
        let intact = digest_of(self.history, entry) == entry.digest;
        if !intact {
            self.name(entry.id, &entry.chain, Mismatch::ContentChanged);
        }
        let before = self.last.take().filter(|l| l.chain == entry.chain);
        let after = before.as_ref().map_or(0, |b| b.position);
        if entry.position != after + 1 {
            self.name(entry.id, &entry.chain, Mismatch::EntriesMissingBefore { after });
        } else if let Some(before) = before.filter(|b| intact && entry.prev_digest.as_deref() != Some(&b.digest)) {
            // This entry is intact and names its predecessor's digest as it was: the predecessor changed since.
            self.name(before.id, &before.chain, Mismatch::RewrittenWithItsDigest);
        }
        self.last = Some(Walked {
            id: entry.id,
            chain: entry.chain.clone(),
            position: entry.position,
            digest: entry.digest.clone(),
        });
    }

    fn name(&mut self, id: i64, chain: &str, mismatch: Mismatch) {
        self.findings.push(Finding { id, chain: chain.to_owned(), mismatch });
    }

    /// How many entries were checked, and the mismatches found.
    pub fn finish(self) -> (u64, Vec<Finding>) {
        (self.entries, self.findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain written as the database writes it.
    fn chain(n: usize) -> Vec<StoredEntry> {
        let mut entries: Vec<StoredEntry> = Vec::new();
        for i in 0..n {
            let mut e = StoredEntry {
                id: 10 + i as i64,
                chain: "c".into(),
                position: i as i32 + 1,
                columns: vec![Some(format!("entry {i}")), None, Some("{\"a\": 1}".into())],
                prev_digest: entries.last().map(|p| p.digest.clone()),
                digest: String::new(),
            };
            e.digest = digest_of(History::Cases, &e);
            entries.push(e);
        }
        entries
    }

    fn walk(entries: &[StoredEntry]) -> Vec<Finding> {
        let mut walk = ChainWalk::new(History::Cases);
        entries.iter().for_each(|e| walk.push(e));
        walk.finish().1
    }

    #[test]
    fn the_canonical_form_is_the_databases() {
        // The text migration 24's `history_field` builds for these columns (lengths in bytes: é is two), which
        // the integration tests hold to the database's own digests (`tests/api/history_chain.rs`).
        let entry = StoredEntry {
            id: 1,
            chain: String::new(),
            position: 1,
            columns: vec![Some("héllo".into()), None],
            prev_digest: None,
            digest: String::new(),
        };
        let canonical = "case_events/1;6:héllo;-;1:1;-;";
        assert_eq!(digest_of(History::Cases, &entry), hex::encode(Sha256::digest(canonical.as_bytes())));
    }

    #[test]
    fn an_intact_chain_has_no_findings() {
        assert_eq!(walk(&chain(4)), []);
    }

    #[test]
    fn a_changed_entry_is_named_and_only_it() {
        let mut entries = chain(4);
        entries[1].columns[0] = Some("rewritten".into());
        assert_eq!(walk(&entries), [Finding { id: 11, chain: "c".into(), mismatch: Mismatch::ContentChanged }]);
    }

    #[test]
    fn a_rewrite_with_a_new_digest_is_named_by_the_next_entry() {
        let mut entries = chain(4);
        entries[1].columns[0] = Some("rewritten".into());
        entries[1].digest = digest_of(History::Cases, &entries[1]);
        assert_eq!(walk(&entries), [Finding { id: 11, chain: "c".into(), mismatch: Mismatch::RewrittenWithItsDigest }]);
    }

    #[test]
    fn a_removed_entry_is_noticed_at_the_next() {
        let mut entries = chain(4);
        entries.remove(1);
        assert_eq!(
            walk(&entries),
            [Finding { id: 12, chain: "c".into(), mismatch: Mismatch::EntriesMissingBefore { after: 1 } }]
        );
    }

    #[test]
    fn a_moved_position_changes_the_content() {
        let mut entries = chain(3);
        entries[2].position = 7;
        let found = walk(&entries);
        assert!(found.iter().all(|f| f.id == 12), "{found:?}");
        assert!(found.iter().any(|f| f.mismatch == Mismatch::ContentChanged));
    }
}
