//! The documents the server knows: parsed ones remembered by their text, persisted ones named by their hash, and,
//! in a deployment that runs only registered operations, the trusted ones.
//!
//! Clients send the same few operations over and over (the app's case screen, a clerk's worklist, a portal's
//! figures), and parsing one with async-graphql's parser costs more than the rest of reading a case from memory.
//! A document seen before is handed to execution already parsed; everything after parsing (our own checks of
//! depth, aliases and control characters, validation against the schema, execution) runs on every request as
//! before, so what a request may do does not depend on whether its document was remembered.
//!
//! Persisted queries follow Apollo's protocol (automatic persisted queries): a client sends
//! `extensions.persistedQuery.sha256Hash` alone; an unknown hash answers `PERSISTED_QUERY_NOT_FOUND` (HTTP 200, so
//! that Apollo's link retries instead of switching persisted queries off), the client sends the hash with the text,
//! the server checks that the hash is the text's and remembers it, and from then on the hash alone is enough. The
//! GraphQL-over-HTTP `documentId` (`sha256:<hex>`) names a document the same way. With `TRUSTED_DOCUMENTS` set
//! (the mobile app's deployment), only the operations of that manifest run, named by hash or sent as their exact
//! text; anything else answers `PERSISTED_QUERY_NOT_ALLOWED`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult};
use sha2::{Digest, Sha256};

use crate::error::{ErrorCode, Message};

/// How many parsed documents a server process remembers.
pub const REMEMBERED_DOCUMENTS: usize = 512;

/// The longest query text remembered parsed: operations clients repeat are small; larger ones are parsed each time.
pub const REMEMBERED_QUERY_BYTES: usize = 8 * 1024;

/// How many persisted queries a server process remembers. One that was pushed out is sent again by its client
/// after `PERSISTED_QUERY_NOT_FOUND`: a lost entry costs one round trip, never an answer.
pub const REMEMBERED_PERSISTED: usize = 1024;

pub struct Documents {
    parsed: Remembered<ExecutableDocument>,
    max_parsed_bytes: usize,
    /// Texts clients registered by their SHA-256 (lowercase hex).
    persisted: Remembered<Arc<str>>,
    /// With `TRUSTED_DOCUMENTS`: the only documents that run, by SHA-256.
    trusted: Option<HashMap<String, Arc<str>>>,
}

impl Default for Documents {
    fn default() -> Documents {
        Documents::new(REMEMBERED_DOCUMENTS, REMEMBERED_QUERY_BYTES)
    }
}

/// Why a request names no document the server will run. (Plain data; the HTTP layer words the answer.)
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub code: ErrorCode,
    pub message: String,
}

impl Refused {
    fn new(code: ErrorCode, message: impl Into<String>) -> Refused {
        Refused { code, message: message.into() }
    }

    /// Apollo's clients recognise this exact message (older ones look only at it, newer ones at the code).
    fn not_found() -> Refused {
        Refused::new(ErrorCode::PersistedQueryNotFound, "PersistedQueryNotFound")
    }
}

impl Documents {
    pub fn new(capacity: usize, max_parsed_bytes: usize) -> Documents {
        Documents {
            parsed: Remembered::new(capacity),
            max_parsed_bytes,
            persisted: Remembered::new(REMEMBERED_PERSISTED),
            trusted: None,
        }
    }

    /// Runs only the documents of `manifest` (hash → text, each hash checked against its text).
    pub fn trusting_only(mut self, manifest: HashMap<String, Arc<str>>) -> Documents {
        self.trusted = Some(manifest);
        self
    }

    /// Gives `request` its text when it names a persisted document (`document_id` is GraphQL over HTTP's
    /// `documentId`, if the request carried one), remembering a newly registered one; refuses a request that names
    /// an unknown document, a hash that is not its text's, or, with trusted documents, any other operation.
    pub fn resolve(&self, request: &mut async_graphql::Request, document_id: Option<&str>) -> Result<(), Refused> {
        let named = match document_id {
            Some(id) => Some(document_hash(id)?),
            None => persisted_query_hash(request)?,
        };
        let sent = (!request.query.is_empty()).then_some(request.query.as_str());
        match (named, &self.trusted) {
            (None, None) => Ok(()),
            (None, Some(trusted)) => {
                if sent.is_some_and(|text| trusted.contains_key(&sha256_hex(text))) {
                    Ok(())
                } else {
                    Err(not_registered())
                }
            }
            (Some(hash), Some(trusted)) => match (trusted.get(&hash), sent) {
                (Some(text), None) => {
                    request.query = text.to_string();
                    Ok(())
                }
                (Some(text), Some(sent)) if **text == *sent => Ok(()),
                (Some(_), Some(_)) => Err(mismatch()),
                (None, None) => Err(Refused::not_found()),
                (None, Some(_)) => Err(not_registered()),
            },
            (Some(hash), None) => match sent {
                Some(text) if sha256_hex(text) == hash => {
                    self.persisted.insert(&hash, Arc::from(text));
                    Ok(())
                }
                Some(_) => Err(mismatch()),
                None => {
                    let text = self.persisted.get(&hash).ok_or_else(Refused::not_found)?;
                    request.query = text.to_string();
                    Ok(())
                }
            },
        }
    }

    /// Gives `request` its parsed document, from memory or parsed now (and then remembered). A document that does
    /// not parse is left to execution, which reports why in the usual way.
    pub fn prepare(&self, request: &mut async_graphql::Request) {
        if request.query.len() > self.max_parsed_bytes {
            return;
        }
        if let Some(document) = self.parsed.get(&request.query) {
            request.set_parsed_query(document);
            return;
        }
        if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
            self.parsed.insert(&request.query, document.clone());
            request.set_parsed_query(document);
        }
    }

    /// How many parsed documents are remembered now.
    pub fn len(&self) -> usize {
        self.parsed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// With trusted documents, the same rule for operations that do not come through `POST` or `GET` (subscriptions
/// over WebSocket): resolves each request against the manifest before it is parsed. (Over HTTP the request was
/// resolved already and passes again at the cost of one hash.)
pub struct TrustedOnly(pub Arc<Documents>);

impl ExtensionFactory for TrustedOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TrustedOnlyExtension(self.0.clone()))
    }
}

struct TrustedOnlyExtension(Arc<Documents>);

#[async_trait::async_trait]
impl Extension for TrustedOnlyExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        if let Err(refused) = self.0.resolve(&mut request, None) {
            let mut error = ServerError::new(refused.message, None);
            error.extensions.get_or_insert_with(Default::default).set("code", refused.code.as_str());
            return Err(error);
        }
        next.run(ctx, request).await
    }
}

fn not_registered() -> Refused {
    Refused::new(ErrorCode::PersistedQueryNotAllowed, Message::TrustedDocumentsOnly.english())
}

fn mismatch() -> Refused {
    Refused::new(ErrorCode::BadUserInput, Message::PersistedHashMismatch.english())
}

/// The hash of Apollo's `extensions.persistedQuery`, if the request has one.
fn persisted_query_hash(request: &async_graphql::Request) -> Result<Option<String>, Refused> {
    use async_graphql::Value;
    let Some(persisted) = request.extensions.get("persistedQuery") else { return Ok(None) };
    let bad = |why: Message| Refused::new(ErrorCode::BadUserInput, why.english());
    let Value::Object(fields) = persisted else { return Err(bad(Message::PersistedQueryNotObject)) };
    match fields.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        _ => return Err(bad(Message::PersistedQueryVersion)),
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash)) => hex_hash(hash).map(Some).ok_or_else(|| bad(Message::PersistedQueryHashForm)),
        _ => Err(bad(Message::PersistedQueryHashMissing)),
    }
}

/// The hash of a GraphQL-over-HTTP `documentId` (`sha256:<hex>`, or the bare hex).
fn document_hash(id: &str) -> Result<String, Refused> {
    hex_hash(id.strip_prefix("sha256:").unwrap_or(id))
        .ok_or_else(|| Refused::new(ErrorCode::BadUserInput, Message::DocumentIdForm.english()))
}

fn hex_hash(text: &str) -> Option<String> {
    (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())).then(|| text.to_ascii_lowercase())
}

/// The SHA-256 of a document's text, in lowercase hex: how persisted and trusted documents are named.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Reads a manifest of trusted documents: Apollo's persisted query manifest (`{"format":
/// "apollo-persisted-query-manifest", "operations": [{"id", "body", …}]}`) or GraphQL Code Generator's
/// `persisted-documents.json` (`{"<hash>": "<document>"}`). Every hash must be its text's SHA-256, so that a
/// manifest cannot name one operation and run another.
pub fn read_manifest(json: &str) -> Result<HashMap<String, Arc<str>>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let entries: Vec<(String, String)> = match &value {
        serde_json::Value::Object(map) if map.get("format").is_some() => {
            if map.get("format").and_then(|f| f.as_str()) != Some("apollo-persisted-query-manifest") {
                return Err("the only manifest format understood is apollo-persisted-query-manifest".to_owned());
            }
            let operations = map.get("operations").and_then(|o| o.as_array()).ok_or("no `operations` list")?;
            operations
                .iter()
                .map(|op| match (op.get("id").and_then(|v| v.as_str()), op.get("body").and_then(|v| v.as_str())) {
                    (Some(id), Some(body)) => Ok((id.to_owned(), body.to_owned())),
                    _ => Err("every operation needs an `id` and a `body`".to_owned()),
                })
                .collect::<Result<_, _>>()?
        }
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(hash, text)| match text.as_str() {
                Some(text) => Ok((hash.clone(), text.to_owned())),
                None => Err(format!("the document of `{hash}` is not a string")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("expected a JSON object".to_owned()),
    };
    let mut manifest = HashMap::new();
    for (hash, text) in entries {
        let named = document_hash(&hash).map_err(|_| format!("`{hash}` is not a SHA-256 in hex"))?;
        if named != sha256_hex(&text) {
            return Err(format!("`{hash}` is not the SHA-256 of its document"));
        }
        manifest.insert(named, Arc::from(text));
    }
    if manifest.is_empty() {
        return Err("the manifest holds no operation".to_owned());
    }
    Ok(manifest)
}

/// A bounded memory by text key, least recently used out first. A flood of distinct keys only pushes older
/// entries out; it cannot grow the memory past `capacity` entries.
struct Remembered<V> {
    capacity: usize,
    entries: Mutex<Entries<V>>,
}

struct Entries<V> {
    by_key: HashMap<Arc<str>, (V, u64)>,
    /// Rises with every use: the entry with the smallest stamp is the least recently used.
    clock: u64,
}

impl<V: Clone> Remembered<V> {
    fn new(capacity: usize) -> Remembered<V> {
        Remembered { capacity: capacity.max(1), entries: Mutex::new(Entries { by_key: HashMap::new(), clock: 0 }) }
    }

    fn get(&self, key: &str) -> Option<V> {
        let mut entries = self.entries.lock().ok()?;
        entries.clock += 1;
        let now = entries.clock;
        let (value, used) = entries.by_key.get_mut(key)?;
        *used = now;
        Some(value.clone())
    }

    fn insert(&self, key: &str, value: V) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.by_key.len() >= self.capacity && !entries.by_key.contains_key(key) {
            // A scan of at most `capacity` entries, only when a new key arrives at a full memory.
            let oldest = entries.by_key.iter().min_by_key(|(_, (_, used))| *used).map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                entries.by_key.remove(&oldest);
            }
        }
        entries.clock += 1;
        let used = entries.clock;
        entries.by_key.insert(Arc::from(key), (value, used));
    }

    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.by_key.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> async_graphql::Request {
        async_graphql::Request::new(query)
    }

    fn with_hash(query: &str, hash: &str) -> async_graphql::Request {
        let mut request = request(query);
        let value = serde_json::json!({ "version": 1, "sha256Hash": hash });
        request.extensions.insert("persistedQuery".to_owned(), async_graphql::Value::from_json(value).unwrap());
        request
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
        assert!(documents.parsed.get("{ a }").is_some());
        assert!(documents.parsed.get("{ b }").is_none());
        assert!(documents.parsed.get("{ c }").is_some());
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

    #[test]
    fn a_persisted_query_is_unknown_then_registered_then_named_by_its_hash_alone() {
        let documents = Documents::default();
        let text = "{ __typename }";
        let hash = sha256_hex(text);
        let refused = documents.resolve(&mut with_hash("", &hash), None).unwrap_err();
        assert_eq!(refused.code, ErrorCode::PersistedQueryNotFound);
        assert_eq!(refused.message, "PersistedQueryNotFound");
        documents.resolve(&mut with_hash(text, &hash), None).unwrap();
        let mut named = with_hash("", &hash.to_ascii_uppercase());
        documents.resolve(&mut named, None).unwrap();
        assert_eq!(named.query, text);
        let mut by_id = request("");
        documents.resolve(&mut by_id, Some(&format!("sha256:{hash}"))).unwrap();
        assert_eq!(by_id.query, text);
    }

    #[test]
    fn a_hash_that_is_not_the_texts_registers_nothing() {
        let documents = Documents::default();
        let other = sha256_hex("{ other }");
        let refused = documents.resolve(&mut with_hash("{ __typename }", &other), None).unwrap_err();
        assert_eq!(refused.code, ErrorCode::BadUserInput);
        assert_eq!(
            documents.resolve(&mut with_hash("", &other), None).unwrap_err().code,
            ErrorCode::PersistedQueryNotFound
        );
        for bad in [serde_json::json!({ "version": 2, "sha256Hash": other }), serde_json::json!({ "version": 1 })] {
            let mut request = request("{ __typename }");
            request.extensions.insert("persistedQuery".to_owned(), async_graphql::Value::from_json(bad).unwrap());
            assert_eq!(documents.resolve(&mut request, None).unwrap_err().code, ErrorCode::BadUserInput);
        }
        assert!(documents.resolve(&mut request(""), Some("md5:abc")).is_err());
    }

    #[test]
    fn with_trusted_documents_only_the_manifests_operations_run() {
        let text = "query Mine { me { id } }";
        let hash = sha256_hex(text);
        let manifest = read_manifest(&serde_json::json!({ hash.clone(): text }).to_string()).unwrap();
        let documents = Documents::default().trusting_only(manifest);
        let mut named = with_hash("", &hash);
        documents.resolve(&mut named, None).unwrap();
        assert_eq!(named.query, text);
        documents.resolve(&mut request(text), None).unwrap();
        let not_allowed = ErrorCode::PersistedQueryNotAllowed;
        assert_eq!(
            documents.resolve(&mut request("{ __schema { types { name } } }"), None).unwrap_err().code,
            not_allowed
        );
        // An automatic persisted query's registration does not register anything here.
        let other = "{ __typename }";
        assert_eq!(documents.resolve(&mut with_hash(other, &sha256_hex(other)), None).unwrap_err().code, not_allowed);
        let unknown = documents.resolve(&mut with_hash("", &sha256_hex(other)), None).unwrap_err();
        assert_eq!(unknown.code, ErrorCode::PersistedQueryNotFound);
    }

    #[test]
    fn manifests_of_both_formats_are_read_and_checked() {
        let text = "query Mine { me { id } }";
        let hash = sha256_hex(text);
        let apollo = serde_json::json!({
            "format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{ "id": hash, "name": "Mine", "type": "query", "body": text }]
        });
        assert_eq!(read_manifest(&apollo.to_string()).unwrap().get(&hash).map(|t| &**t), Some(text));
        let codegen = serde_json::json!({ format!("sha256:{hash}"): text });
        assert!(read_manifest(&codegen.to_string()).unwrap().contains_key(&hash));
        let lying = serde_json::json!({ hash: "{ somethingElse }" });
        assert!(read_manifest(&lying.to_string()).unwrap_err().contains("not the SHA-256"));
        assert!(read_manifest("{}").is_err());
        assert!(read_manifest("[]").is_err());
    }
}
