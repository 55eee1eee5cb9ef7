//! The code's shape, held by reading the sources. The layers of `docs/ARCHITECTURE.md`, by the code's own
//! `crate::` paths: every module names only modules of its own layer or below, so a service cannot reach into
//! GraphQL, `AppState` holds no service type, and the domain stays free of everything with I/O (comments and tests
//! are not read). And sizes a reader can hold: no source file over 500 lines, no function over 80 lines outside
//! tests and the data tools.

use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer: a module may name modules of its layer and below.
const LAYERS: &[(&str, u8)] = &[
    // Pure rules, and what every layer shares.
    ("domain", 0),
    ("error", 0),
    ("clock", 0),
    ("config", 0),
    ("metrics", 0),
    ("telemetry", 1),
    ("db", 1),
    ("models", 2),
    // What the layers above the models share: tokens and hashing, the caller cache, the listener, files, state.
    ("auth", 3),
    ("files", 3),
    ("live", 3),
    ("state", 3),
    ("services", 4),
    ("graphql", 5),
    ("http", 6),
    // What wires the rest together, and the tools.
    ("startup", 7),
    ("cli", 7),
    ("demo", 7),
    ("generate", 7),
    ("main", 7),
    ("lib", 7),
];

fn layer(module: &str) -> u8 {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l).unwrap_or_else(|| panic!("`{module}` has no layer"))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file's code names as `crate::<module>`, outside comments and its tests.
fn named_modules(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut named = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let module: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !module.is_empty() && !named.contains(&module) {
                named.push(module);
            }
        }
    }
    named
}

#[test]
fn every_module_names_only_its_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative.components().next().unwrap().as_os_str().to_str().unwrap().trim_end_matches(".rs");
        let own = layer(top);
        for named in named_modules(&std::fs::read_to_string(file).unwrap()) {
            if layer(&named) > own {
                upward.push(format!("{} names crate::{named}", relative.display()));
            }
        }
    }
    assert!(upward.is_empty(), "imports must point down (docs/ARCHITECTURE.md):\n{}", upward.join("\n"));
}

#[test]
fn a_path_in_a_comment_or_a_test_is_not_an_import() {
    let text = "use crate::models::case;\n// crate::http is above\nfn f() { crate::error::x(); }\n#[cfg(test)]\nuse crate::graphql;";
    assert_eq!(named_modules(text), ["models", "error"]);
}

/// Functions still longer than the limit, each with the work that will shorten it. This list only shrinks.
const LONG_FUNCTIONS_LEFT: &[(&str, &str)] = &[];

/// The functions of a source file outside its tests, as (name, lines), by their indentation: a function's body
/// ends at the first line holding only `}` at the indentation of its `fn` line.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.split("#[cfg(test)]").next().unwrap_or_default().lines().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        let code = line.trim_start();
        let indent = &line[..line.len() - code.len()];
        let header = ["pub(crate) ", "pub(super) ", "pub ", "const ", "async "]
            .iter()
            .fold(code, |rest, prefix| rest.strip_prefix(prefix).unwrap_or(rest));
        let header = header.strip_prefix("async ").unwrap_or(header);
        if let Some(rest) = header.strip_prefix("fn ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let closing = format!("{indent}}}");
            let end = (at..lines.len()).find(|i| lines[*i] == closing);
            // A declaration without a body (in a trait) ends at its `;`.
            if let Some(end) = end.filter(|_| !code.ends_with(';')) {
                found.push((name, end - at + 1));
                at = end;
            }
        }
        at += 1;
    }
    found
}

#[test]
fn no_file_is_over_500_lines_and_no_function_over_80() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut too_long = Vec::new();
    for file in &files {
        let relative = format!("src/{}", file.strip_prefix(&src).unwrap().display());
        let text = std::fs::read_to_string(file).unwrap();
        let lines = text.lines().count();
        if lines > 500 {
            too_long.push(format!("{relative}: {lines} lines"));
        }
        // The demo data and the generator are tools that write long lists of made-up rows.
        if relative == "src/demo.rs" || relative == "src/generate.rs" {
            continue;
        }
        for (name, length) in functions(&text) {
            let left = LONG_FUNCTIONS_LEFT.iter().any(|(f, n)| *f == relative && *n == name);
            if length > 80 && !left {
                too_long.push(format!("{relative}: fn {name} is {length} lines"));
            }
        }
    }
    assert!(too_long.is_empty(), "split these (a reader holds 500 lines, a function of 80):\n{}", too_long.join("\n"));
}

#[test]
fn a_functions_length_runs_from_its_fn_to_its_closing_brace() {
    let text = "fn short() {\n    1\n}\n\nimpl X {\n    pub async fn inner(&self) {\n        a();\n    }\n}\ntrait T {\n    fn declared(&self);\n}\n";
    assert_eq!(functions(text), [("short".to_owned(), 3), ("inner".to_owned(), 3)]);
}

/// The model files of the objects a scope governs (cases and all that hangs off them).
const SCOPED_MODELS: &[&str] = &[
    "attachment.rs",
    "case/mod.rs",
    "case/writes.rs",
    "case_event.rs",
    "deadline.rs",
    "escalation.rs",
    "feed.rs",
    "reception.rs",
    "supervision_notice.rs",
];

/// Public functions of those files that read without a scope, and why that is right.
const READ_WITHOUT_SCOPE: &[(&str, &str)] = &[
    ("key_of", "a row's cursor key, no read"),
    ("visible_to", "builds the scope's filter"),
    ("horizon", "the feed's horizon: a transaction id, no rows"),
];

/// What writers' names begin with.
const WRITERS: &[&str] = &[
    "insert",
    "append",
    "replace",
    "settle",
    "withdraw",
    "update",
    "set_",
    "take_",
    "free_",
    "cancel_",
    "apply_",
    "reserve_",
    "next_serial",
];

#[test]
fn every_reader_that_ignores_scope_is_in_unscoped() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/models");
    let mut outside = Vec::new();
    for file in SCOPED_MODELS {
        let text = std::fs::read_to_string(models.join(file)).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (at, _) in code.match_indices("\npub fn ") {
            let rest = &code[at + "\npub fn ".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
            let scoped = signature.contains("Scope");
            let writes = WRITERS.iter().any(|verb| name.starts_with(verb));
            let allowed = READ_WITHOUT_SCOPE.iter().any(|(n, _)| *n == name);
            if !(scoped || writes || allowed) {
                outside.push(format!("src/models/{file}: {name}"));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "readers without a scope belong in models/unscoped.rs (pub(in crate::models) here, a documented wrapper \
         there):\n{}",
        outside.join("\n")
    );
}

/// Writers of `models` that take no decision, and why.
const WRITE_WITHOUT_DECISION: &[(&str, &str)] = &[
    ("next_serial", "a reference's serial number: a counter, no record"),
    ("reserve_serials", "a block of serial numbers: a counter, no record"),
];

#[test]
fn every_writer_in_the_models_takes_a_decision() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/models");
    let mut files = Vec::new();
    sources(&models, &mut files);
    let mut undecided = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (at, _) in code.match_indices("\npub fn ") {
            let rest = &code[at + "\npub fn ".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
            let writes = WRITERS.iter().any(|verb| name.starts_with(verb)) || name.starts_with("mark_");
            let decided = signature.contains("Decision") || signature.contains("Authorized<");
            let excused = WRITE_WITHOUT_DECISION.iter().any(|(n, _)| *n == name);
            if writes && !decided && !excused {
                undecided.push(format!("{}: {name}", file.strip_prefix(&models).unwrap().display()));
            }
        }
    }
    assert!(
        undecided.is_empty(),
        "writers need the decision that allows them (`&impl Decision`):\n{}",
        undecided.join("\n")
    );
}
