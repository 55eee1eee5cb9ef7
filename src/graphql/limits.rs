//! Checks of a whole request async-graphql does not have built in: the number of aliases in one operation (many
//! aliases of one expensive field are the classic way to multiply work past depth and complexity limits), and
//! control characters in any text argument.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};
// The document's own value type (with variables in it), which async-graphql does not re-export.
use async_graphql_value::{ConstValue, Value};

/// The checks of a parsed document (before validation and execution), as one extension: at most `max_aliases`
/// aliases, and no control characters in any text argument.
pub struct DocumentChecks {
    pub max_aliases: usize,
}

impl ExtensionFactory for DocumentChecks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentChecksExtension(self.max_aliases))
    }
}

struct DocumentChecksExtension(usize);

/// A refusal of the document as bad input, naming the field at fault when there is one.
fn refusal(message: String, field: Option<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
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

// Control characters (NUL, the other C0 controls but tab, line feed and carriage return, and DEL) in any string
// argument, written in the query or passed as a variable, are refused before anything runs: PostgreSQL cannot store
// NUL, and none of them belongs in a petition, a name or an id. The error names the field as resolvers do
// (`input.title`, `input.representatives.0.name`).
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}')
}

/// The path of the first string with a control character in a value given in the query.
fn control_in_value(value: &Value, variables: &Variables, path: &str) -> Option<String> {
    match value {
        Value::String(s) => s.chars().any(is_control).then(|| path.to_owned()),
        Value::Variable(name) => variables.get(name).and_then(|v| control_in_const(v, path)),
        Value::List(items) => {
            items.iter().enumerate().find_map(|(i, v)| control_in_value(v, variables, &format!("{path}.{i}")))
        }
        Value::Object(fields) => {
            fields.iter().find_map(|(k, v)| control_in_value(v, variables, &format!("{path}.{}", k.as_str())))
        }
        _ => None,
    }
}

/// The same for a variable's value.
fn control_in_const(value: &ConstValue, path: &str) -> Option<String> {
    match value {
        ConstValue::String(s) => s.chars().any(is_control).then(|| path.to_owned()),
        ConstValue::List(items) => {
            items.iter().enumerate().find_map(|(i, v)| control_in_const(v, &format!("{path}.{i}")))
        }
        ConstValue::Object(fields) => {
            fields.iter().find_map(|(k, v)| control_in_const(v, &format!("{path}.{}", k.as_str())))
        }
        _ => None,
    }
}

fn control_in_set(set: &SelectionSet, variables: &Variables) -> Option<String> {
    set.items.iter().find_map(|item| match &item.node {
        Selection::Field(f) => f
            .node
            .arguments
            .iter()
            .find_map(|(name, value)| control_in_value(&value.node, variables, name.node.as_str()))
            .or_else(|| control_in_set(&f.node.selection_set.node, variables)),
        Selection::InlineFragment(f) => control_in_set(&f.node.selection_set.node, variables),
        Selection::FragmentSpread(_) => None,
    })
}

/// The field of the first argument anywhere in the document whose text holds a control character.
pub fn control_characters_in(doc: &ExecutableDocument, variables: &Variables) -> Option<String> {
    doc.operations
        .iter()
        .find_map(|(_, op)| control_in_set(&op.node.selection_set.node, variables))
        .or_else(|| doc.fragments.values().find_map(|f| control_in_set(&f.node.selection_set.node, variables)))
}

#[async_trait::async_trait]
impl Extension for DocumentChecksExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let n = aliases_in(&doc);
        if n > self.0 {
            return Err(refusal(format!("too many aliases: {n}, at most {} allowed", self.0), None));
        }
        if let Some(field) = control_characters_in(&doc, variables) {
            return Err(refusal("must not contain control characters".to_owned(), Some(field)));
        }
        Ok(doc)
    }
}
