//! The command line an operator types: the commands, their options, and the help they print. Parsing is pure (no
//! I/O): `main.rs` prints what it returns and runs the command. `--help` and `--version` exit 0 with their text on
//! standard output; anything the parser does not know is a [`UsageError`], printed with the usage on standard error
//! and exit code 2, as command-line tools do.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::generate::Plan;

/// One option of a command: `--cases N`, or a switch such as `--update`.
struct OptionSpec {
    flag: &'static str,
    /// The value's placeholder in the usage (`N`); `None` for a switch.
    value: Option<&'static str>,
    help: &'static str,
}

/// One command: what it does, its operand (a file), its options.
struct CommandSpec {
    name: &'static str,
    summary: &'static str,
    /// The operand's placeholder (`FILE.csv`); `None` for commands that take none.
    operand: Option<&'static str>,
    options: &'static [OptionSpec],
}

const ALLOW_PRODUCTION: OptionSpec = OptionSpec {
    flag: "--allow-production",
    value: None,
    help: "write into a database that a production server uses (refused otherwise: its history is append-only, \
           and made-up cases could never be removed)",
};

const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "serve",
        summary: "serve the API (the default): migrates the database first; without DATABASE_URL, in development, \
                  starts its own PostgreSQL with the demo data",
        operand: None,
        options: &[],
    },
    CommandSpec {
        name: "import-regions",
        summary: "add jurisdictions from a CSV file of code,name,level,parent_code (those already there are kept)",
        operand: Some("FILE.csv"),
        options: &[],
    },
    CommandSpec {
        name: "create-admin",
        summary: "create the first admin of a jurisdiction, in its bureau (made if missing); prints a temporary \
                  password once",
        operand: None,
        options: &[
            OptionSpec { flag: "--jurisdiction", value: Some("CODE"), help: "the jurisdiction, e.g. 510502" },
            OptionSpec { flag: "--username", value: Some("NAME"), help: "the admin's username" },
            OptionSpec {
                flag: "--display-name",
                value: Some("TEXT"),
                help: "the name shown (the username if not given)",
            },
        ],
    },
    CommandSpec {
        name: "import-staff",
        summary: "create staff accounts (and their units) from a CSV file of \
                  username,display_name,jurisdiction_code,unit_name,unit_kind,roles; prints the temporary passwords \
                  of the accounts made; a line that differs from an existing account is reported and refused",
        operand: Some("FILE.csv"),
        options: &[OptionSpec {
            flag: "--update",
            value: None,
            help: "apply the differences to existing accounts instead (unit, roles, display name), each recorded in \
                   the administration log; a new unit or new roles end the account's sign-ins",
        }],
    },
    CommandSpec {
        name: "generate",
        summary: "write a consistent synthetic province of made-up cases (for benchmarks and trials)",
        operand: None,
        options: &[
            OptionSpec { flag: "--cases", value: Some("N"), help: "how many cases (required)" },
            OptionSpec { flag: "--province", value: Some("CODE"), help: "the province (default 510000)" },
            OptionSpec { flag: "--years", value: Some("N"), help: "how many years back (1-20, default 3)" },
            OptionSpec { flag: "--seed", value: Some("N"), help: "the same seed gives the same stories (default 1)" },
            ALLOW_PRODUCTION,
        ],
    },
    CommandSpec {
        name: "verify-history",
        summary: "recompute the hash chains of every history (cases, supervision notices, the administration log) and \
                  name each entry that no longer matches what was written; exit 1 if any does",
        operand: None,
        options: &[OptionSpec {
            flag: "--case",
            value: Some("REF"),
            help: "only the history of the case with this reference",
        }],
    },
    CommandSpec {
        name: "print-schema",
        summary: "print the GraphQL schema as served (SDL)",
        operand: None,
        options: &[],
    },
];

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Invocation {
    Run(Command),
    /// Print this text and exit 0.
    Help(String),
    /// Print the version and exit 0.
    Version,
}

/// A command to run, with its options parsed.
#[derive(Debug, PartialEq)]
pub enum Command {
    Serve,
    PrintSchema,
    ImportRegions { file: PathBuf },
    CreateAdmin { jurisdiction: String, username: String, display_name: Option<String> },
    ImportStaff { file: PathBuf, update: bool },
    Generate { plan: Plan, allow_production: bool },
    VerifyHistory { case: Option<String> },
}

/// A command line the parser does not accept: what is wrong, and the usage to print with it (exit code 2).
#[derive(Debug, PartialEq)]
pub struct UsageError {
    pub message: String,
    pub usage: String,
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "petition-api: {}\n\n{}", self.message, self.usage)
    }
}

/// The version line of `--version`.
pub fn version() -> String {
    format!("petition-api {}", env!("CARGO_PKG_VERSION"))
}

/// Parses the arguments after the program's name.
pub fn parse(args: &[String]) -> Result<Invocation, UsageError> {
    let Some(first) = args.first() else { return Ok(Invocation::Run(Command::Serve)) };
    match first.as_str() {
        "-h" | "--help" => return Ok(Invocation::Help(overview())),
        "-V" | "--version" | "version" => return Ok(Invocation::Version),
        "help" => {
            return match args.get(1) {
                None => Ok(Invocation::Help(overview())),
                Some(name) => match spec(name) {
                    Some(command) => Ok(Invocation::Help(usage_of(command))),
                    None => Err(UsageError { message: format!("unknown command `{name}`"), usage: overview() }),
                },
            }
        }
        _ => {}
    }
    let Some(command) = spec(first) else {
        let message = if first.starts_with('-') {
            format!("unknown option `{first}`")
        } else {
            format!("unknown command `{first}`")
        };
        return Err(UsageError { message, usage: overview() });
    };
    let rest = &args[1..];
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        return Ok(Invocation::Help(usage_of(command)));
    }
    let given = Given::parse(command, rest)?;
    given.command().map(Invocation::Run)
}

fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The options and operand given to one command.
struct Given {
    command: &'static CommandSpec,
    values: BTreeMap<&'static str, String>,
    operand: Option<String>,
}

impl Given {
    fn parse(command: &'static CommandSpec, args: &[String]) -> Result<Given, UsageError> {
        let wrong = |message: String| UsageError { message, usage: usage_of(command) };
        let mut given = Given { command, values: BTreeMap::new(), operand: None };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if arg.starts_with("--") {
                let (flag, inline) = match arg.split_once('=') {
                    Some((flag, value)) => (flag, Some(value.to_owned())),
                    None => (arg.as_str(), None),
                };
                let option = command
                    .options
                    .iter()
                    .find(|o| o.flag == flag)
                    .ok_or_else(|| wrong(format!("`{}` has no option `{flag}`", command.name)))?;
                let value = match (option.value, inline) {
                    (None, None) => String::new(),
                    (None, Some(_)) => return Err(wrong(format!("{flag} takes no value"))),
                    (Some(_), Some(value)) => value,
                    (Some(placeholder), None) => it
                        .next()
                        .filter(|v| !v.starts_with("--"))
                        .cloned()
                        .ok_or_else(|| wrong(format!("{flag} needs a value ({flag} {placeholder})")))?,
                };
                if given.values.insert(option.flag, value).is_some() {
                    return Err(wrong(format!("{flag} is given twice")));
                }
            } else if command.operand.is_some() && given.operand.is_none() {
                given.operand = Some(arg.clone());
            } else {
                return Err(wrong(format!("unexpected argument `{arg}`")));
            }
        }
        if let (Some(placeholder), None) = (command.operand, &given.operand) {
            return Err(wrong(format!("`{}` needs {placeholder}", command.name)));
        }
        Ok(given)
    }

    fn wrong(&self, message: String) -> UsageError {
        UsageError { message, usage: usage_of(self.command) }
    }

    fn value(&self, flag: &str) -> Option<String> {
        self.values.get(flag).cloned()
    }

    fn required(&self, flag: &str) -> Result<String, UsageError> {
        self.value(flag).ok_or_else(|| self.wrong(format!("`{}` needs {flag}", self.command.name)))
    }

    fn switch(&self, flag: &str) -> bool {
        self.values.contains_key(flag)
    }

    fn number(&self, flag: &str) -> Result<Option<u64>, UsageError> {
        self.value(flag)
            .map(|v| v.replace('_', "").parse::<u64>().map_err(|_| self.wrong(format!("{flag} `{v}` is not a number"))))
            .transpose()
    }

    fn file(&self) -> PathBuf {
        PathBuf::from(self.operand.clone().unwrap_or_default())
    }

    fn command(&self) -> Result<Command, UsageError> {
        Ok(match self.command.name {
            "serve" => Command::Serve,
            "print-schema" => Command::PrintSchema,
            "verify-history" => Command::VerifyHistory { case: self.value("--case") },
            "import-regions" => Command::ImportRegions { file: self.file() },
            "import-staff" => Command::ImportStaff { file: self.file(), update: self.switch("--update") },
            "create-admin" => Command::CreateAdmin {
                jurisdiction: self.required("--jurisdiction")?,
                username: self.required("--username")?,
                display_name: self.value("--display-name"),
            },
            "generate" => {
                let defaults = Plan::default();
                let plan = Plan {
                    cases: self
                        .number("--cases")?
                        .filter(|n| *n > 0)
                        .ok_or_else(|| self.wrong("say how many cases: generate --cases 1000000".to_owned()))?,
                    province: self.value("--province").unwrap_or(defaults.province),
                    years: self.number("--years")?.map_or(defaults.years, |y| y.clamp(1, 20) as u32),
                    seed: self.number("--seed")?.unwrap_or(defaults.seed),
                };
                Command::Generate { plan, allow_production: self.switch("--allow-production") }
            }
            other => unreachable!("command {other} has a spec but no parser"),
        })
    }
}

/// `petition-api --help`.
fn overview() -> String {
    let mut text = format!(
        "{}: the GraphQL API of public petition work (信访)\n\nUsage: petition-api [COMMAND] [OPTIONS]\n\nCommands:\n",
        version()
    );
    for c in COMMANDS {
        text.push_str(&format!("  {:<16}{}\n", c.name, wrap(c.summary, 18)));
    }
    text.push_str(
        "\nOptions:\n  -h, --help      print help (of a command: petition-api COMMAND --help)\n  -V, --version   \
         print the version\n\nSettings come from the environment (DATABASE_URL, MIGRATION_DATABASE_URL, APP_ENV, \
         JWT_SECRET, ...):\nsee the README's Configuration.\n",
    );
    text
}

/// `petition-api COMMAND --help`.
fn usage_of(c: &CommandSpec) -> String {
    let mut line = format!("Usage: petition-api {}", c.name);
    for o in c.options {
        line.push_str(&match o.value {
            Some(v) => format!(" [{} {v}]", o.flag),
            None => format!(" [{}]", o.flag),
        });
    }
    if let Some(operand) = c.operand {
        line.push_str(&format!(" {operand}"));
    }
    let mut text = format!("{line}\n\n{}\n", wrap(c.summary, 0));
    if !c.options.is_empty() {
        text.push_str("\nOptions:\n");
        for o in c.options {
            let flag = o.value.map_or_else(|| o.flag.to_owned(), |v| format!("{} {v}", o.flag));
            text.push_str(&format!("  {flag:<22}{}\n", wrap(o.help, 24)));
        }
    }
    text
}

/// `text` broken into lines of at most about 100 characters, the lines after the first indented by `indent`.
fn wrap(text: &str, indent: usize) -> String {
    let width = 100usize.saturating_sub(indent).max(40);
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join(&format!("\n{}", " ".repeat(indent)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Result<Invocation, UsageError> {
        parse(&line.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    }

    #[test]
    fn help_and_version_for_the_program_and_every_command() {
        for line in ["--help", "-h", "help"] {
            assert!(matches!(parsed(line), Ok(Invocation::Help(text)) if text.contains("import-staff")), "{line}");
        }
        for line in ["--version", "-V", "version"] {
            assert_eq!(parsed(line), Ok(Invocation::Version), "{line}");
        }
        for c in COMMANDS {
            for line in [format!("{} --help", c.name), format!("help {}", c.name), format!("{} -h", c.name)] {
                match parsed(&line) {
                    Ok(Invocation::Help(text)) => assert!(text.starts_with(&format!("Usage: petition-api {}", c.name))),
                    other => panic!("{line}: {other:?}"),
                }
            }
        }
        // Help wins over what else is wrong on the line.
        assert!(matches!(parsed("generate --cases --help"), Ok(Invocation::Help(_))));
    }

    #[test]
    fn unknown_commands_and_options_are_usage_errors() {
        for (line, says) in [
            ("serv", "unknown command `serv`"),
            ("--verbose", "unknown option `--verbose`"),
            ("generate --case 5", "`generate` has no option `--case`"),
            ("generate --cases", "--cases needs a value"),
            ("generate --cases many", "--cases `many` is not a number"),
            ("generate", "say how many cases"),
            ("import-staff", "`import-staff` needs FILE.csv"),
            ("import-staff a.csv b.csv", "unexpected argument `b.csv`"),
            ("create-admin --username x", "`create-admin` needs --jurisdiction"),
            ("import-staff --update=yes a.csv", "--update takes no value"),
            ("help nothing", "unknown command `nothing`"),
        ] {
            let err = parsed(line).unwrap_err();
            assert!(err.message.contains(says), "{line}: {}", err.message);
            assert!(err.usage.starts_with("Usage: petition-api") || err.usage.contains("Commands:"), "{line}");
        }
    }

    #[test]
    fn commands_with_their_options() {
        assert_eq!(parsed(""), Ok(Invocation::Run(Command::Serve)));
        assert_eq!(
            parsed("generate --cases 1_000 --years=2 --allow-production"),
            Ok(Invocation::Run(Command::Generate {
                plan: Plan { cases: 1000, years: 2, ..Plan::default() },
                allow_production: true
            }))
        );
        assert_eq!(
            parsed("import-staff --update staff.csv"),
            Ok(Invocation::Run(Command::ImportStaff { file: "staff.csv".into(), update: true }))
        );
        assert_eq!(
            parsed("create-admin --jurisdiction 510502 --username chen.admin"),
            Ok(Invocation::Run(Command::CreateAdmin {
                jurisdiction: "510502".into(),
                username: "chen.admin".into(),
                display_name: None
            }))
        );
    }
}
