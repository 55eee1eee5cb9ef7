//! Parsed documents, remembered by their text.
//!
//! Clients send the same few operations over and over (the app's case screen, a clerk's worklist, a portal's
//! figures), and parsing one with async-graphql's parser costs more than the rest of reading a case from memory.
//! A document seen before is handed to execution already parsed; everything after parsing (our own checks of
//! depth, aliases and control characters, validation against the schema, execution) runs on every request as
//! before, so what a request may do does not depend on whether its document was remembered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;

/// A bounded memory of parsed documents. A flood of distinct documents only pushes the least recently used ones
/// out (they are parsed again when they return); it cannot grow the memory past `capacity` documents of at most
/// `max_query_bytes` each.
pub struct Documents {
    capacity: usize,
    max_query_bytes: usize,
    remembered: Mutex<Remembered>,
}

#[derive(Default)]
struct Remembered {
    by_text: HashMap<Arc<str>, Entry>,
    /// Rises with every use: the entry with the smallest `used` is the least recently used.
    clock: u64,
}

struct Entry {
    document: ExecutableDocument,
    used: u64,
}

/// How many documents a server process remembers.
pub const REMEMBERED_DOCUMENTS: usize = 512;

/// The longest query text remembered: operations clients repeat are small; larger ones are parsed each time.
pub const REMEMBERED_QUERY_BYTES: usize = 8 * 1024;

impl Default for Documents {
    fn default() -> Documents {
        Documents::new(REMEMBERED_DOCUMENTS, REMEMBERED_QUERY_BYTES)
    }
}

impl Documents {
    pub fn new(capacity: usize, max_query_bytes: usize) -> Documents {
        Documents { capacity: capacity.max(1), max_query_bytes, remembered: Mutex::default() }
    }

    /// Gives `request` its parsed document, from memory or parsed now (and then remembered). A document that does
    /// not parse is left to execution, which reports why in the usual way.
    pub fn prepare(&self, request: &mut async_graphql::Request) {
        if request.query.len() > self.max_query_bytes {
            return;
        }
        if let Some(document) = self.recall(&request.query) {
            request.set_parsed_query(document);
            return;
        }
        if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
            self.remember(&request.query, document.clone());
            request.set_parsed_query(document);
        }
    }

    /// How many documents are remembered now.
    pub fn len(&self) -> usize {
        self.remembered.lock().map(|r| r.by_text.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn recall(&self, text: &str) -> Option<ExecutableDocument> {
        let mut remembered = self.remembered.lock().ok()?;
        remembered.clock += 1;
        let now = remembered.clock;
        let entry = remembered.by_text.get_mut(text)?;
        entry.used = now;
        Some(entry.document.clone())
    }

    fn remember(&self, text: &str, document: ExecutableDocument) {
        let Ok(mut remembered) = self.remembered.lock() else { return };
        if remembered.by_text.len() >= self.capacity {
            // A scan of at most `capacity` entries, only when a new document arrives at a full memory.
            let oldest = remembered.by_text.iter().min_by_key(|(_, e)| e.used).map(|(text, _)| text.clone());
            if let Some(oldest) = oldest {
                remembered.by_text.remove(&oldest);
            }
        }
        remembered.clock += 1;
        let used = remembered.clock;
        remembered.by_text.insert(Arc::from(text), Entry { document, used });
    }
}

#[cfg(test)]
mod tests {
    use super::Documents;

    fn request(query: &str) -> async_graphql::Request {
        async_graphql::Request::new(query)
    }

    #[test]
    fn a_document_is_parsed_once_and_the_least_recently_used_goes_first() {
        let documents = Documents::new(2, 100);
        let mut first = request("{ a }");
        documents.prepare(&mut first);
        assert!(first.parsed_query().is_ok());
        documents.prepare(&mut request("{ b }"));
        // `{ a }` is used again, so `{ b }` is the one a third document pushes out.
        documents.prepare(&mut request("{ a }"));
        documents.prepare(&mut request("{ c }"));
        assert_eq!(documents.len(), 2);
        assert!(documents.recall("{ a }").is_some());
        assert!(documents.recall("{ b }").is_none());
        assert!(documents.recall("{ c }").is_some());
    }

    #[test]
    fn long_and_broken_documents_are_not_remembered() {
        let documents = Documents::new(8, 10);
        let mut long = request("{ aVeryLongFieldName }");
        documents.prepare(&mut long);
        let mut broken = request("{ a");
        documents.prepare(&mut broken);
        assert!(documents.is_empty());
        // Execution still parses them itself: the broken one reports its syntax error there.
        assert!(long.parsed_query().is_ok());
        assert!(broken.parsed_query().is_err());
    }
}
