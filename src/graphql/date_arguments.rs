//! Days and instants given as arguments anywhere in a document (directly, inside input objects and lists, through
//! variables) are checked against the sane years (`domain::deadline::SANE_YEARS`) before anything runs. The types
//! come from the schema, not from the resolvers, so a date argument added later is covered without a line of its
//! own, and no day a client sends can reach arithmetic that leaves the calendar's range.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::Variables;
use async_graphql_value::{ConstValue, Name, Value};
use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::domain::deadline::{is_sane_day, SANE_YEARS};

/// The message of the refusal (the field is named beside it).
pub fn out_of_range_message() -> crate::error::Message {
    crate::error::Message::DayOutOfYears(SANE_YEARS.start().to_string(), SANE_YEARS.end().to_string())
}

/// The names of the fields, of any type, that take a day or an instant somewhere in their arguments (found once per
/// schema). A document that gives arguments to none of them holds no date, and skips the typed walk: most requests,
/// a case by id among them.
#[derive(Clone, Default)]
pub struct DateFields(Arc<OnceLock<HashSet<String>>>);

impl DateFields {
    fn of(&self, registry: &Registry) -> &HashSet<String> {
        self.0.get_or_init(|| {
            let mut names = HashSet::new();
            for ty in registry.types.values() {
                for field in ty.fields().into_iter().flat_map(|fields| fields.values()) {
                    if field.args.values().any(|arg| holds_a_date(registry, &arg.ty, &mut Vec::new())) {
                        names.insert(field.name.clone());
                    }
                }
            }
            names
        })
    }
}

/// Whether a value of type `ty` may hold a day or an instant (itself, in a list, in an input object's fields).
fn holds_a_date<'r>(registry: &'r Registry, ty: &'r str, seen: &mut Vec<&'r str>) -> bool {
    let name = MetaTypeName::concrete_typename(ty);
    if matches!(name, "NaiveDate" | "DateTime") {
        return true;
    }
    match registry.types.get(name) {
        Some(MetaType::InputObject { input_fields, .. }) if !seen.contains(&name) => {
            seen.push(name);
            input_fields.values().any(|f| holds_a_date(registry, &f.ty, seen))
        }
        _ => false,
    }
}

/// Whether `set` gives arguments to a field called one of `names`.
fn gives_arguments_to(set: &SelectionSet, names: &HashSet<String>) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            (!f.node.arguments.is_empty() && names.contains(f.node.name.node.as_str()))
                || gives_arguments_to(&f.node.selection_set.node, names)
        }
        Selection::InlineFragment(f) => gives_arguments_to(&f.node.selection_set.node, names),
        Selection::FragmentSpread(_) => false,
    })
}

/// The path of the first argument (`from`, `input.happenedAt`, `filter.receivedFrom`, as resolvers name fields)
/// holding a day or an instant outside the sane years.
pub fn insane_date_in(
    registry: &Registry,
    date_fields: &DateFields,
    doc: &ExecutableDocument,
    variables: &Variables,
) -> Option<String> {
    let names = date_fields.of(registry);
    let mentioned = doc.operations.iter().any(|(_, op)| gives_arguments_to(&op.node.selection_set.node, names))
        || doc.fragments.values().any(|f| gives_arguments_to(&f.node.selection_set.node, names));
    if !mentioned {
        return None;
    }
    let walk = Walk { registry, doc, variables };
    doc.operations.iter().find_map(|(_, op)| {
        let root = match op.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        }?;
        walk.selections(root, &op.node.selection_set.node, &mut Vec::new())
    })
}

struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
}

impl Walk<'_> {
    /// The selections of `set` on the type `parent`, fragments followed once per path.
    fn selections(&self, parent: &str, set: &SelectionSet, seen: &mut Vec<Name>) -> Option<String> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(f) => {
                // A field the schema does not know is left to validation, which refuses it.
                let field = self.registry.types.get(parent)?.field_by_name(f.node.name.node.as_str())?;
                f.node
                    .arguments
                    .iter()
                    .find_map(|(name, value)| {
                        let argument = field.args.get(name.node.as_str())?;
                        self.argument(&argument.ty, &value.node, name.node.as_str())
                    })
                    .or_else(|| {
                        let below = MetaTypeName::concrete_typename(&field.ty);
                        self.selections(below, &f.node.selection_set.node, seen)
                    })
            }
            Selection::InlineFragment(f) => {
                let on = f.node.type_condition.as_ref().map_or(parent, |c| c.node.on.node.as_str());
                self.selections(on, &f.node.selection_set.node, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let fragment = self.doc.fragments.get(name).filter(|_| !seen.contains(name))?;
                seen.push(name.clone());
                let on = fragment.node.type_condition.node.on.node.as_str();
                let found = self.selections(on, &fragment.node.selection_set.node, seen);
                seen.pop();
                found
            }
        })
    }

    /// An argument's value, as written (variables in it resolved), against its type.
    fn argument(&self, ty: &str, value: &Value, path: &str) -> Option<String> {
        let value = value
            .clone()
            .into_const_with(|name| Ok::<_, ()>(self.variables.get(&name).cloned().unwrap_or(ConstValue::Null)))
            .ok()?;
        self.value(ty, &value, path)
    }

    fn value(&self, ty: &str, value: &ConstValue, path: &str) -> Option<String> {
        match (MetaTypeName::create(ty), value) {
            (MetaTypeName::NonNull(inner), _) => self.value(inner, value, path),
            (MetaTypeName::List(inner), ConstValue::List(items)) => {
                items.iter().enumerate().find_map(|(i, item)| self.value(inner, item, &format!("{path}.{i}")))
            }
            // A single value where a list is due stands for a list of one (input coercion).
            (MetaTypeName::List(inner), _) => self.value(inner, value, path),
            (MetaTypeName::Named(name), ConstValue::String(text)) => out_of_range(name, text).then(|| path.to_owned()),
            (MetaTypeName::Named(name), ConstValue::Object(fields)) => match self.registry.types.get(name) {
                Some(MetaType::InputObject { input_fields, .. }) => fields.iter().find_map(|(key, item)| {
                    self.value(&input_fields.get(key.as_str())?.ty, item, &format!("{path}.{key}"))
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Whether `text`, given for the scalar `scalar`, is a day or an instant outside the sane years. Text that does not
/// parse is left to the scalar itself, which refuses it with its own message.
fn out_of_range(scalar: &str, text: &str) -> bool {
    match scalar {
        "NaiveDate" => text.parse::<NaiveDate>().is_ok_and(|day| !is_sane_day(day)),
        // Any offset, as async-graphql reads `DateTime<Utc>`; the day as written (a day's first moment in Beijing is
        // the day before in UTC).
        "DateTime" => text.parse::<DateTime<FixedOffset>>().is_ok_and(|at| !is_sane_day(at.date_naive())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::out_of_range;

    #[test]
    fn days_and_instants_outside_the_sane_years_are_out_of_range() {
        for (scalar, text) in [
            ("NaiveDate", "+262142-12-31"),
            ("NaiveDate", "-262143-01-01"),
            ("NaiveDate", "1948-12-31"),
            ("NaiveDate", "2201-01-01"),
            ("DateTime", "+262142-12-31T23:59:59Z"),
            ("DateTime", "0001-01-01T00:00:00+08:00"),
        ] {
            assert!(out_of_range(scalar, text), "{scalar} {text}");
        }
        for (scalar, text) in [
            ("NaiveDate", "1949-01-01"),
            ("NaiveDate", "2200-12-31"),
            ("DateTime", "2026-03-01T09:30:00+08:00"),
            ("NaiveDate", "not a day"),
            ("String", "+262142-12-31"),
        ] {
            assert!(!out_of_range(scalar, text), "{scalar} {text}");
        }
    }
}
