//! Errors null their field, as the GraphQL specification says (§6.4.4, "Handling Execution Errors"): a field whose
//! resolver failed is `null` in the answer beside its siblings, and where its type does not allow null, the null
//! goes up to the nearest position that does (the whole `data` when none does). async-graphql 7 instead leaves the
//! failed field's key out, and turns an object all of whose fields failed into `null`: clients then read
//! `undefined` where their types say `| null`. This pass puts the answer right, by the error paths and the
//! schema's types; it runs only for answers that carry errors in their data.

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, PathSegment, Response, Value};

/// Nulls every failed field of `response`, or the nearest nullable position above it.
pub fn propagate(response: &mut Response, doc: &ExecutableDocument, operation: Option<&str>, registry: &Registry) {
    let Some(op) = operation_of(doc, operation) else { return };
    let root = match op.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => match registry.mutation_type.as_deref() {
            Some(name) => name,
            None => return,
        },
        OperationType::Subscription => return,
    };
    // The positions to null: for each error, the nearest nullable one at or above its field.
    let mut targets: Vec<Vec<PathSegment>> = Vec::new();
    for error in response.errors.iter().filter(|e| !e.path.is_empty()) {
        let Some(types) = types_along(registry, doc, root, &op.selection_set.node, &error.path) else { continue };
        let nullable = (0..types.len()).rev().find(|k| !types[*k].ends_with('!'));
        targets.push(nullable.map_or_else(Vec::new, |k| error.path[..=k].to_vec()));
    }
    targets.sort_by_key(Vec::len);
    let mut applied: Vec<Vec<PathSegment>> = Vec::new();
    for target in targets {
        // Inside a position already nulled there is nothing left to null.
        if applied.iter().any(|done| target.starts_with(done)) {
            continue;
        }
        if target.is_empty() {
            response.data = Value::Null;
        } else {
            set_null(&mut response.data, &target);
        }
        applied.push(target);
    }
    // A key put back goes last in its object: put each object's keys in the order the query asked for them.
    if !applied.is_empty() {
        in_selection_order(&mut response.data, doc, &[&op.selection_set.node]);
    }
}

/// Orders the keys of `data`'s objects as the selection sets `sets` (one, or several merged under one response
/// key) ask for them, at every depth: an answer's fields come in the order of the query's (§6.3).
fn in_selection_order(data: &mut Value, doc: &ExecutableDocument, sets: &[&SelectionSet]) {
    match data {
        Value::List(items) => items.iter_mut().for_each(|item| in_selection_order(item, doc, sets)),
        Value::Object(fields) => {
            let mut keys: Vec<(&str, Vec<&SelectionSet>)> = Vec::new();
            for set in sets {
                response_keys(doc, set, &mut keys);
            }
            let rank = |key: &Name| keys.iter().position(|(k, _)| *k == key.as_str()).unwrap_or(usize::MAX);
            fields.sort_by(|a, _, b, _| rank(a).cmp(&rank(b)));
            for (key, value) in fields.iter_mut() {
                if let Some((_, sets)) = keys.iter().find(|(k, _)| *k == key.as_str()) {
                    in_selection_order(value, doc, sets);
                }
            }
        }
        _ => {}
    }
}

/// The response keys of `set` in document order, through fragments, each with the selection sets of its fields.
fn response_keys<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    keys: &mut Vec<(&'d str, Vec<&'d SelectionSet>)>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let key = f.node.response_key().node.as_str();
                match keys.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, sets)) => sets.push(&f.node.selection_set.node),
                    None => keys.push((key, vec![&f.node.selection_set.node])),
                }
            }
            Selection::InlineFragment(fragment) => response_keys(doc, &fragment.node.selection_set.node, keys),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    response_keys(doc, &fragment.node.selection_set.node, keys);
                }
            }
        }
    }
}

fn operation_of<'d>(doc: &'d ExecutableDocument, name: Option<&str>) -> Option<&'d OperationDefinition> {
    use async_graphql::parser::types::DocumentOperations;
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        _ => None,
    }
}

/// The type (as the registry writes it: `Case`, `[Event!]!`) of each position along `path`.
fn types_along(
    registry: &Registry,
    doc: &ExecutableDocument,
    root: &str,
    set: &SelectionSet,
    path: &[PathSegment],
) -> Option<Vec<String>> {
    let mut types = Vec::with_capacity(path.len());
    let (mut parent, mut set, mut current) = (root.to_owned(), set, String::new());
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let (field, on) = find_field(doc, set, key)?;
                let owner = on.unwrap_or(&parent);
                let meta = registry.types.get(owner)?.field_by_name(field.name.node.as_str())?;
                current = meta.ty.clone();
                parent = MetaTypeName::concrete_typename(&meta.ty).to_owned();
                set = &field.selection_set.node;
            }
            PathSegment::Index(_) => {
                let list = current.strip_suffix('!').unwrap_or(&current);
                current = list.strip_prefix('[')?.strip_suffix(']')?.to_owned();
            }
        }
        types.push(current.clone());
    }
    Some(types)
}

/// The field of `set` answering under `key` (its alias or name), through fragments, with the type condition of
/// the innermost fragment it sits in.
fn find_field<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    key: &str,
) -> Option<(&'d async_graphql::parser::types::Field, Option<&'d str>)> {
    set.items.iter().find_map(|item| match &item.node {
        Selection::Field(f) => (f.node.response_key().node.as_str() == key).then_some((&f.node, None)),
        Selection::InlineFragment(fragment) => {
            let (field, on) = find_field(doc, &fragment.node.selection_set.node, key)?;
            Some((field, on.or(fragment.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()))))
        }
        Selection::FragmentSpread(spread) => {
            let fragment = doc.fragments.get(&spread.node.fragment_name.node)?;
            let (field, on) = find_field(doc, &fragment.node.selection_set.node, key)?;
            Some((field, on.or(Some(fragment.node.type_condition.node.on.node.as_str()))))
        }
    })
}

/// Sets the position `path` of `data` to null: a missing key is added, and an object left out because all its
/// fields failed is made again around it.
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let mut at = data;
    for (n, segment) in path.iter().enumerate() {
        let last = n + 1 == path.len();
        match segment {
            PathSegment::Field(key) => {
                if matches!(at, Value::Null) {
                    *at = Value::Object(Default::default());
                }
                let Value::Object(fields) = at else { return };
                let slot = fields.entry(Name::new(key)).or_insert(Value::Null);
                if last {
                    *slot = Value::Null;
                    return;
                }
                at = slot;
            }
            PathSegment::Index(i) => {
                let Value::List(items) = at else { return };
                let Some(item) = items.get_mut(*i) else { return };
                if last {
                    *item = Value::Null;
                    return;
                }
                at = item;
            }
        }
    }
}

/// Whether nothing of an answer was served: no data, or only nulls at its top.
pub fn served_nothing(data: &Value) -> bool {
    match data {
        Value::Null => true,
        Value::Object(fields) => fields.values().all(|v| matches!(v, Value::Null)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(json: serde_json::Value) -> Value {
        Value::from_json(json).unwrap()
    }

    fn at(path: &[&str]) -> Vec<PathSegment> {
        path.iter()
            .map(|s| s.parse().map_or_else(|_| PathSegment::Field((*s).to_owned()), PathSegment::Index))
            .collect()
    }

    #[test]
    fn a_position_is_nulled_where_it_is_and_objects_left_out_are_made_again() {
        let mut data = value(serde_json::json!({"me": {"username": "x"}}));
        set_null(&mut data, &at(&["case"]));
        assert_eq!(data.into_json().unwrap(), serde_json::json!({"me": {"username": "x"}, "case": null}));
        let mut data = Value::Null;
        set_null(&mut data, &at(&["node"]));
        assert_eq!(data.into_json().unwrap(), serde_json::json!({"node": null}));
        let mut data = value(serde_json::json!({"cases": {"nodes": [{"id": "a"}, {"id": "b"}]}}));
        set_null(&mut data, &at(&["cases", "nodes", "1"]));
        assert_eq!(data.into_json().unwrap(), serde_json::json!({"cases": {"nodes": [{"id": "a"}, null]}}));
        // Past the end of a list there is nothing to null.
        let mut data = value(serde_json::json!({"list": []}));
        set_null(&mut data, &at(&["list", "3", "x"]));
        assert_eq!(data.into_json().unwrap(), serde_json::json!({"list": []}));
    }

    #[test]
    fn a_failed_field_put_back_takes_its_place_in_the_querys_order() {
        let doc = async_graphql::parser::parse_query(
            "query { case(id: 1) { id } me { ...Me } } fragment Me on Account { username roles }",
        )
        .unwrap();
        let mut data = value(serde_json::json!({"me": {"roles": [], "username": "x"}}));
        set_null(&mut data, &at(&["case"]));
        let op = operation_of(&doc, None).unwrap();
        in_selection_order(&mut data, &doc, &[&op.selection_set.node]);
        let Value::Object(top) = &data else { panic!("an object") };
        assert_eq!(top.keys().map(Name::as_str).collect::<Vec<_>>(), ["case", "me"]);
        let Value::Object(me) = &top["me"] else { panic!("an object") };
        assert_eq!(me.keys().map(Name::as_str).collect::<Vec<_>>(), ["username", "roles"]);
    }

    #[test]
    fn nothing_was_served_when_the_top_holds_only_nulls() {
        assert!(served_nothing(&Value::Null));
        assert!(served_nothing(&value(serde_json::json!({"a": null, "b": null}))));
        assert!(!served_nothing(&value(serde_json::json!({"a": null, "b": 1}))));
    }
}
