//! Onboarding from outside the API, by whoever runs the binary with the database owner's credentials:
//! `import-regions` (the jurisdictions, from the division codes), `create-admin` (the first admin of a fresh
//! database), `import-staff` (a bureau's staff and units from a CSV file). Every change is logged like an admin's,
//! under the command's name; re-running a command changes nothing that is already there.

use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection};

use super::accounts::record as record_account;
use super::units::record as record_unit;
use super::Operator;
use super::{temporary_password, Actor};
use crate::auth::password;
use crate::domain::administration::AdminAction;
use crate::domain::credentials::{parse_display_name, Username};
use crate::domain::organisation::{JurisdictionLevel, UnitKind};
use crate::domain::permission::{act, Authorized, Decision};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, Message};
use crate::models::account::{self, Account, NewAccount, StaffChange};
use crate::models::{jurisdiction, unit};

/// Splits one CSV line into fields: commas separate, double quotes enclose fields that hold commas (`""` is a
/// quote inside them).
pub fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field).trim().to_owned()),
            (c, _) => field.push(c),
        }
    }
    fields.push(field.trim().to_owned());
    fields
}

/// The data lines of a CSV file (after its header), numbered as an editor shows them.
fn data_lines(csv: &str) -> impl Iterator<Item = (usize, &str)> {
    csv.lines().enumerate().skip(1).map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty())
}

/// What `import-regions` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RegionReport {
    pub added: usize,
    pub present: usize,
    /// Every region of the file: code, name and level.
    pub regions: Vec<(String, String, JurisdictionLevel)>,
}

/// Imports jurisdictions from `code,name,level,parent_code` lines (parents before their children), in one
/// transaction: all or nothing. Codes already present are left as they are.
pub fn import_regions(operator: &mut Operator, csv: &str) -> AppResult<RegionReport> {
    let (conn, proof) = operator.parts();
    regions(conn, proof, csv)
}

/// [`import_regions`] with the decision that allows it (the operator's, or the demo data's).
pub(crate) fn regions(conn: &mut PgConnection, decided: &impl Decision, csv: &str) -> AppResult<RegionReport> {
    conn.transaction(|conn| {
        let mut report = RegionReport::default();
        for (line, text) in data_lines(csv) {
            let fields = csv_fields(text);
            let [code, name, level, parent, ..] = &fields[..] else {
                return Err(AppError::internal(format!("line {line}: expected code,name,level,parent_code")));
            };
            let level = JurisdictionLevel::parse(level)
                .ok_or_else(|| AppError::internal(format!("line {line}: unknown level `{level}`")))?;
            report.regions.push((code.clone(), name.clone(), level));
            if jurisdiction::find(conn, code)?.is_some() {
                report.present += 1;
                continue;
            }
            let parent = (!parent.is_empty()).then_some(parent.as_str());
            if let Some(parent) = parent.filter(|p| jurisdiction::find(conn, p).ok().flatten().is_none()) {
                return Err(AppError::internal(format!("line {line}: parent {parent} is not known (yet)")));
            }
            jurisdiction::insert(conn, decided, code, name, level, parent)?;
            report.added += 1;
        }
        Ok(report)
    })
}

/// A staff account made from the command line (logged under the command's name); `None` if the username is taken.
fn create_account(
    conn: &mut PgConnection,
    proof: &Authorized<act::Administer>,
    command: &str,
    new: &NewAccount<'_>,
    now: DateTime<Utc>,
) -> AppResult<Option<Account>> {
    let Some(created) = account::insert(conn, proof, new)? else { return Ok(None) };
    let actor = Actor::CommandLine(command);
    record_account(conn, proof, actor, AdminAction::AccountCreated, (None, &created), now)?;
    Ok(Some(created))
}

/// The unit of `jurisdiction_code` called `name`, made (and logged) if there is none; refused if the one there is
/// of another kind.
fn ensure_unit(
    conn: &mut PgConnection,
    proof: &Authorized<act::Administer>,
    command: &str,
    jurisdiction_code: &str,
    kind: UnitKind,
    name: &str,
    now: DateTime<Utc>,
) -> AppResult<unit::Unit> {
    let existing = unit::of_jurisdictions(conn, &[jurisdiction_code.to_owned()])?.into_iter().find(|u| u.name == name);
    match existing {
        Some(u) if u.kind == kind => Ok(u),
        Some(u) => {
            Err(AppError::bad_input("unit_kind", Message::ExistsAs(name.to_string(), u.kind.as_str().to_string())))
        }
        None => {
            let created = unit::insert(conn, proof, jurisdiction_code, kind, name)?
                .ok_or_else(|| AppError::internal("unit created meanwhile"))?;
            record_unit(conn, proof, Actor::CommandLine(command), AdminAction::UnitCreated, (None, &created), now)?;
            Ok(created)
        }
    }
}

/// `create-admin`: the first admin of a jurisdiction, placed in its bureau (made if there is none). Refuses an
/// existing username. Returns the account and its temporary password.
pub fn create_admin(
    operator: &mut Operator,
    jurisdiction_code: &str,
    username: &str,
    display_name: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(Account, String)> {
    let username = Username::parse(username, "--username").map_err(|e| anyhow::anyhow!("--username: {}", e.message))?;
    let display_name = parse_display_name(display_name, "--display-name")
        .map_err(|e| anyhow::anyhow!("--display-name: {}", e.message))?;
    let (temporary, password) = temporary_password().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let hash = password::hash(&password).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (conn, proof) = operator.parts();
    let created = conn.transaction(|conn| {
        let place = jurisdiction::find(conn, jurisdiction_code)?.ok_or_else(|| {
            AppError::bad_input("--jurisdiction", Message::ImportRegionsFirst(jurisdiction_code.to_string()))
        })?;
        let bureau = unit::of_jurisdictions(conn, std::slice::from_ref(&place.code))?
            .into_iter()
            .find(|u| u.kind == UnitKind::Bureau);
        let bureau = match bureau {
            Some(b) => b,
            None => {
                let name = format!("{}信访局", place.name);
                ensure_unit(conn, proof, "create-admin", &place.code, UnitKind::Bureau, &name, now)?
            }
        };
        let new = NewAccount {
            username: username.as_str(),
            password_hash: &hash,
            display_name: &display_name,
            roles: &[Role::Admin],
            unit_id: Some(bureau.id),
            jurisdiction_code: Some(&place.code),
            temporary_password: true,
        };
        create_account(conn, proof, "create-admin", &new, now)?
            .ok_or_else(|| AppError::bad_input("--username", Message::ExistsAlready(username.as_str().to_string())))
    });
    match created {
        Ok(account) => Ok((account, temporary)),
        Err(e) => anyhow::bail!("{}", e.message),
    }
}

/// The outcome of one line of a staff file.
#[derive(Debug, PartialEq, Eq)]
pub enum StaffLine {
    /// Made, with this temporary password.
    Created { username: String, temporary_password: String },
    /// Already there as the line describes it (a re-run).
    Present { username: String },
    /// There, and changed to what the line describes (`--update`); the differences, as `what: before → after`.
    Updated { username: String, differences: Vec<String> },
    /// Refused, and why; nothing of the line was written.
    Refused { reason: String },
}

/// The columns of a staff file, in this order.
pub const STAFF_COLUMNS: &str = "username,display_name,jurisdiction_code,unit_name,unit_kind,roles";

/// `import-staff`: one account per line of `csv` (columns [`STAFF_COLUMNS`]; roles separated by `|`), each line
/// in a transaction of its own, with its unit made if the jurisdiction has none of that name. A line naming an
/// existing account that differs from it (unit, roles, display name) is refused with the differences, or with
/// `update` applied to it and logged. Calls `progress` with (lines done, lines) after each line. Returns each line's
/// number and outcome.
pub fn import_staff(
    operator: &mut Operator,
    csv: &str,
    update: bool,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<Vec<(usize, StaffLine)>> {
    let header = csv.lines().next().unwrap_or_default().trim().trim_start_matches('\u{feff}');
    if header != STAFF_COLUMNS {
        anyhow::bail!("the first line must be the header `{STAFF_COLUMNS}`, not `{header}`");
    }
    let lines: Vec<(usize, &str)> = data_lines(csv).collect();
    let mut outcomes = Vec::with_capacity(lines.len());
    let (conn, proof) = operator.parts();
    for (done, (number, text)) in lines.iter().enumerate() {
        let outcome = match staff_line(conn, proof, text, update, now) {
            Ok(outcome) => outcome,
            Err(e) => {
                StaffLine::Refused { reason: e.field.map_or(e.message.english(), |f| format!("{f}: {}", e.message)) }
            }
        };
        outcomes.push((*number, outcome));
        progress(done + 1, lines.len());
    }
    Ok(outcomes)
}

/// One line of a staff file, parsed.
struct StaffEntry {
    username: Username,
    display_name: String,
    jurisdiction_code: String,
    unit_name: String,
    unit_kind: UnitKind,
    roles: Vec<Role>,
}

impl StaffEntry {
    fn parse(text: &str) -> AppResult<StaffEntry> {
        let fields = csv_fields(text);
        let [username, display_name, code, unit_name, unit_kind, roles] = &fields[..] else {
            return Err(AppError::bad_input(
                "line",
                Message::StaffLineColumns(STAFF_COLUMNS.to_string(), fields.len().to_string()),
            ));
        };
        let unit_kind = UnitKind::parse(unit_kind)
            .ok_or_else(|| AppError::bad_input("unit_kind", Message::NoUnitKind(unit_kind.to_string())))?;
        let roles = roles
            .split('|')
            .map(|r| Role::parse(r.trim()).ok_or_else(|| AppError::bad_input("roles", Message::NoRole(r.to_string()))))
            .collect::<AppResult<Vec<Role>>>()?;
        Ok(StaffEntry {
            username: Username::parse(username, "username")?,
            display_name: parse_display_name(display_name, "display_name")?,
            jurisdiction_code: code.clone(),
            unit_name: parse_display_name(unit_name, "unit_name")?,
            unit_kind,
            roles: Role::staff_roles(&roles, "roles")?,
        })
    }

    /// The line's unit, made (and logged) if its jurisdiction has none of that name; refused if the jurisdiction is
    /// unknown or the unit deactivated.
    fn unit(
        &self,
        conn: &mut PgConnection,
        proof: &Authorized<act::Administer>,
        now: DateTime<Utc>,
    ) -> AppResult<unit::Unit> {
        let code = &self.jurisdiction_code;
        if jurisdiction::find(conn, code)?.is_none() {
            return Err(AppError::bad_input("jurisdiction_code", Message::NotKnown(code.to_string())));
        }
        let unit = ensure_unit(conn, proof, "import-staff", code, self.unit_kind, &self.unit_name, now)?;
        if !unit.active {
            return Err(AppError::bad_input("unit_name", Message::UnitDeactivated));
        }
        Ok(unit)
    }

    /// How `existing` differs from this line, as `what: before → after`.
    fn differences(&self, conn: &mut PgConnection, existing: &Account) -> AppResult<Vec<String>> {
        let mut differences = Vec::new();
        if existing.display_name != self.display_name {
            differences.push(format!("display name: {} → {}", existing.display_name, self.display_name));
        }
        let unit = match existing.unit_id {
            Some(id) => unit::find(conn, id)?,
            None => None,
        };
        let here = unit.as_ref().is_some_and(|u| {
            u.name == self.unit_name && u.jurisdiction_code == self.jurisdiction_code && u.kind == self.unit_kind
        });
        if !here {
            let before = unit.map_or_else(|| "none".to_owned(), |u| format!("{} ({})", u.name, u.jurisdiction_code));
            differences.push(format!("unit: {before} → {} ({})", self.unit_name, self.jurisdiction_code));
        }
        if existing.roles != self.roles {
            let names = |roles: &[Role]| roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("|");
            differences.push(format!("roles: {} → {}", names(&existing.roles), names(&self.roles)));
        }
        Ok(differences)
    }
}

fn staff_line(
    conn: &mut PgConnection,
    proof: &Authorized<act::Administer>,
    text: &str,
    update: bool,
    now: DateTime<Utc>,
) -> AppResult<StaffLine> {
    let entry = StaffEntry::parse(text)?;
    let username = entry.username.as_str().to_owned();
    if let Some(existing) = account::find_by_username(conn, &username)? {
        if existing.roles.contains(&Role::Petitioner) {
            return Err(AppError::bad_input("username", Message::TakenByPetitioner));
        }
        let differences = entry.differences(conn, &existing)?;
        if differences.is_empty() {
            return Ok(StaffLine::Present { username });
        }
        if !update {
            let listed = differences.join("; ");
            return Err(AppError::bad_input(
                "username",
                Message::StaffLineDiffers(username.to_string(), listed.to_string()),
            ));
        }
        return conn.transaction(|conn| {
            let before = account::lock(conn, existing.id)?.ok_or_else(|| AppError::internal("account vanished"))?;
            let unit = entry.unit(conn, proof, now)?;
            let change = StaffChange {
                display_name: Some(&entry.display_name),
                roles: Some(&entry.roles),
                unit: Some((unit.id, &unit.jurisdiction_code)),
            };
            let after = account::update_staff(conn, proof, &before, &change)?;
            let actor = Actor::CommandLine("import-staff");
            record_account(conn, proof, actor, AdminAction::AccountUpdated, (Some(&before), &after), now)?;
            Ok(StaffLine::Updated { username, differences })
        });
    }
    let (temporary, password) = temporary_password()?;
    let hash = password::hash(&password)?;
    conn.transaction(|conn| {
        let unit = entry.unit(conn, proof, now)?;
        let new = NewAccount {
            username: &username,
            password_hash: &hash,
            display_name: &entry.display_name,
            roles: &entry.roles,
            unit_id: Some(unit.id),
            jurisdiction_code: Some(&entry.jurisdiction_code),
            temporary_password: true,
        };
        create_account(conn, proof, "import-staff", &new, now)?
            .ok_or_else(|| AppError::bad_input("username", Message::TakenByAnotherAccount))?;
        Ok(StaffLine::Created { username: username.clone(), temporary_password: temporary.clone() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_take_quotes_and_commas() {
        assert_eq!(csv_fields(r#"a, "b, c" ,"say ""hi""""#), vec!["a", "b, c", r#"say "hi""#]);
        assert_eq!(csv_fields("x,,y"), vec!["x", "", "y"]);
    }
}
