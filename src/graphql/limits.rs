//! Checks of a whole request async-graphql does not have built in: the depth of what a query asks of the data
//! (introspection measured by its own rule, so that GraphiQL's and codegen's standard query passes), the number of
//! aliases in one operation (many aliases of one expensive field are the classic way to multiply work past depth
//! and complexity limits), control characters and more than a petition's length in any text argument, and days
//! outside the sane years in any date argument (`date_arguments`).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::ValidationResult;
use async_graphql::{ServerError, ServerResult, Variables};
// The document's own value type (with variables in it), which async-graphql does not re-export.
use async_graphql_value::{ConstValue, Value};

use crate::error::Message;

/// The checks of a parsed document (before validation and execution), as one extension: data nested at most
/// `max_depth` deep, introspection's type lists nested at most [`MAX_INTROSPECTION_NESTING`] deep, at most
/// `max_aliases` aliases, and no control characters in any text argument.
#[derive(Clone)]
pub struct DocumentChecks {
    pub max_depth: usize,
    pub max_aliases: usize,
    /// The most a document may cost (async-graphql's complexity: a field 1, a page times its size): refused with
    /// the cost and the limit in `extensions`, where async-graphql's own limit says neither.
    pub max_complexity: usize,
    /// With `INTROSPECTION=off`, a document that asks for the schema (`__schema`, `__type`) is refused with the
    /// reason (`__typename` is no introspection of the schema, and stays).
    pub introspection: bool,
    pub date_fields: super::date_arguments::DateFields,
}

impl ExtensionFactory for DocumentChecks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Checked { limits: self.clone(), query: std::sync::Mutex::default() })
    }
}

/// One request's checks: the limits, and the query text, kept for putting the nulls of failed fields right after
/// execution (`nulls`).
struct Checked {
    limits: DocumentChecks,
    query: std::sync::Mutex<Option<String>>,
}

/// How deep the fields that list a type's parts (`fields`, `inputFields`, `interfaces`, `possibleTypes`) may nest
/// inside one another in an introspection query: graphql-js's `MaxIntrospectionDepthRule` allows 3. The standard
/// introspection query nests them once (its `ofType` chains, about 13 levels deep in all, nest none), while
/// `fields { type { fields { type { fields … } } } }` grows with the schema at every level.
pub const MAX_INTROSPECTION_NESTING: usize = 3;

/// The fields of `__Type` that list a type's parts.
const TYPE_PARTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

/// How deep a selection goes, seen from its start: the data depth (introspection fields, `__schema` and `__type`,
/// are not data and are measured apart), and the deepest nesting of type parts within introspection.
#[derive(Default, Clone, Copy)]
struct Depths {
    data: usize,
    type_parts: usize,
}

impl Depths {
    fn max(self, other: Depths) -> Depths {
        Depths { data: self.data.max(other.data), type_parts: self.type_parts.max(other.type_parts) }
    }
}

/// The depths of `set` (fragments followed; one seen again on the same path counts as nothing more, since
/// validation refuses fragment cycles anyway).
fn depths(doc: &ExecutableDocument, set: &SelectionSet, introspecting: bool, seen: &mut Vec<String>) -> Depths {
    set.items.iter().fold(Depths::default(), |deepest, item| {
        let here = match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                let introspection = introspecting || name == "__schema" || name == "__type";
                let below = depths(doc, &f.node.selection_set.node, introspection, seen);
                let part = usize::from(introspection && TYPE_PARTS.contains(&name));
                Depths { data: if introspection { 0 } else { below.data + 1 }, type_parts: below.type_parts + part }
            }
            Selection::InlineFragment(f) => depths(doc, &f.node.selection_set.node, introspecting, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match doc.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if !seen.contains(&name) => {
                        seen.push(name);
                        let d = depths(doc, &fragment.node.selection_set.node, introspecting, seen);
                        seen.pop();
                        d
                    }
                    _ => Depths::default(),
                }
            }
        };
        deepest.max(here)
    })
}

/// The deepest data and type-part nesting of any operation of the document.
fn document_depths(doc: &ExecutableDocument) -> Depths {
    doc.operations
        .iter()
        .map(|(_, op)| depths(doc, &op.node.selection_set.node, false, &mut Vec::new()))
        .fold(Depths::default(), Depths::max)
}

/// A refusal of the document as bad input, naming the field at fault when there is one.
fn refusal(message: Message, field: Option<String>) -> ServerError {
    let mut err = ServerError::new(message.english(), None);
    // The edge renders it in the request's language.
    err.source = Some(std::sync::Arc::new(message));
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", "BAD_USER_INPUT");
    if let Some(field) = field {
        ext.set("field", field);
    }
    err.extensions = Some(ext);
    err
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node),
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Aliases in all operations and fragments of the document (fragments counted once; depth and complexity limits
/// bound what spreading them again can add).
pub fn aliases_in(doc: &ExecutableDocument) -> usize {
    let ops: usize = doc.operations.iter().map(|(_, op)| count_aliases(&op.node.selection_set.node)).sum();
    let frags: usize = doc.fragments.values().map(|f| count_aliases(&f.node.selection_set.node)).sum();
    ops + frags
}

// Text in any string argument, written in the query or passed as a variable, is checked before anything runs:
// control characters (NUL, the other C0 controls but tab, line feed and carriage return, and DEL), which PostgreSQL
// cannot store (NUL) and which belong in no petition, name or id; and a ceiling on its length,
// [`MAX_ARGUMENT_CHARS`], the longest text any field takes, so that a field without a cap of its own still has one.
// The error names the field as resolvers do (`input.title`, `input.representatives.0.name`).
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}')
}

/// The most characters any text argument may hold: a petition's content, the longest text the API takes. Fields
/// have caps of their own below it (a title 200, a note 4,000).
pub const MAX_ARGUMENT_CHARS: usize = crate::domain::person::CONTENT_MAX_CHARS;

/// What is wrong with a text argument, if anything.
fn text_problem(s: &str) -> Option<Message> {
    if s.chars().any(is_control) {
        return Some(Message::ContainsControlCharacters);
    }
    // Bytes first: no text of fewer bytes than the ceiling can hold more characters.
    if s.len() > MAX_ARGUMENT_CHARS {
        let chars = s.chars().count();
        if chars > MAX_ARGUMENT_CHARS {
            return Some(Message::TooManyCharacters(MAX_ARGUMENT_CHARS.to_string(), chars.to_string()));
        }
    }
    None
}

/// The path of the first string of a value given in the query that is not acceptable text, and why.
fn bad_text_in_value(value: &Value, variables: &Variables, path: &str) -> Option<(String, Message)> {
    match value {
        Value::String(s) => text_problem(s).map(|why| (path.to_owned(), why)),
        Value::Variable(name) => variables.get(name).and_then(|v| bad_text_in_const(v, path)),
        Value::List(items) => {
            items.iter().enumerate().find_map(|(i, v)| bad_text_in_value(v, variables, &format!("{path}.{i}")))
        }
        Value::Object(fields) => {
            fields.iter().find_map(|(k, v)| bad_text_in_value(v, variables, &format!("{path}.{}", k.as_str())))
        }
        _ => None,
    }
}

/// The same for a variable's value.
fn bad_text_in_const(value: &ConstValue, path: &str) -> Option<(String, Message)> {
    match value {
        ConstValue::String(s) => text_problem(s).map(|why| (path.to_owned(), why)),
        ConstValue::List(items) => {
            items.iter().enumerate().find_map(|(i, v)| bad_text_in_const(v, &format!("{path}.{i}")))
        }
        ConstValue::Object(fields) => {
            fields.iter().find_map(|(k, v)| bad_text_in_const(v, &format!("{path}.{}", k.as_str())))
        }
        _ => None,
    }
}

fn bad_text_in_set(set: &SelectionSet, variables: &Variables) -> Option<(String, Message)> {
    set.items.iter().find_map(|item| match &item.node {
        Selection::Field(f) => f
            .node
            .arguments
            .iter()
            .find_map(|(name, value)| bad_text_in_value(&value.node, variables, name.node.as_str()))
            .or_else(|| bad_text_in_set(&f.node.selection_set.node, variables)),
        Selection::InlineFragment(f) => bad_text_in_set(&f.node.selection_set.node, variables),
        Selection::FragmentSpread(_) => None,
    })
}

/// The field of the first argument anywhere in the document whose text is not acceptable, and why.
pub fn bad_text_in(doc: &ExecutableDocument, variables: &Variables) -> Option<(String, Message)> {
    doc.operations
        .iter()
        .find_map(|(_, op)| bad_text_in_set(&op.node.selection_set.node, variables))
        .or_else(|| doc.fragments.values().find_map(|f| bad_text_in_set(&f.node.selection_set.node, variables)))
}

#[async_trait::async_trait]
impl Extension for Checked {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: async_graphql::extensions::NextExecute<'_>,
    ) -> async_graphql::Response {
        let mut response = next.run(ctx, operation_name).await;
        if response.errors.iter().any(|e| !e.path.is_empty()) {
            let query = self.query.lock().ok().and_then(|mut q| q.take());
            if let Some(doc) = query.and_then(|q| async_graphql::parser::parse_query(q).ok()) {
                super::nulls::propagate(&mut response, &doc, operation_name, &ctx.schema_env.registry);
            }
        }
        response
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let valid = next.run(ctx).await?;
        if valid.complexity > self.limits.max_complexity {
            let cost = Message::QueryTooComplex(valid.complexity.to_string(), self.limits.max_complexity.to_string());
            let mut refused = refusal(cost, None);
            if let Some(ext) = refused.extensions.as_mut() {
                ext.set("cost", valid.complexity as u64);
                ext.set("limit", self.limits.max_complexity as u64);
            }
            return Err(vec![refused]);
        }
        Ok(valid)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut kept) = self.query.lock() {
            *kept = Some(query.to_owned());
        }
        let depths = document_depths(&doc);
        if depths.data > self.limits.max_depth {
            let message = Message::QueryTooDeep(depths.data.to_string(), self.limits.max_depth.to_string());
            return Err(refusal(message, None));
        }
        if depths.type_parts > MAX_INTROSPECTION_NESTING {
            let nesting =
                Message::IntrospectionTooDeep(depths.type_parts.to_string(), MAX_INTROSPECTION_NESTING.to_string());
            return Err(refusal(nesting, None));
        }
        let n = aliases_in(&doc);
        if n > self.limits.max_aliases {
            return Err(refusal(Message::TooManyAliases(n.to_string(), self.limits.max_aliases.to_string()), None));
        }
        if let Some((field, why)) = bad_text_in(&doc, variables) {
            return Err(refusal(why, Some(field)));
        }
        let asks_for_the_schema = || {
            doc.operations.iter().any(|(_, op)| asks_for_the_schema(&op.node.selection_set.node))
                || doc.fragments.values().any(|f| asks_for_the_schema(&f.node.selection_set.node))
        };
        if !self.limits.introspection && asks_for_the_schema() {
            return Err(refusal(Message::IntrospectionOff, None));
        }
        let registry = &ctx.schema_env.registry;
        if let Some(field) = super::date_arguments::insane_date_in(registry, &self.limits.date_fields, &doc, variables)
        {
            return Err(refusal(super::date_arguments::out_of_range_message(), Some(field)));
        }
        Ok(doc)
    }
}

/// Whether `set` asks for the schema (`__schema`, `__type`) anywhere.
fn asks_for_the_schema(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            matches!(f.node.name.node.as_str(), "__schema" | "__type")
                || asks_for_the_schema(&f.node.selection_set.node)
        }
        Selection::InlineFragment(f) => asks_for_the_schema(&f.node.selection_set.node),
        Selection::FragmentSpread(_) => false,
    })
}
