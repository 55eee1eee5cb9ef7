//! `petition-api verify-history`: recomputes the hash chains of every history (or of one case's) and names each
//! entry that no longer matches, with its case's reference. The walk itself is pure (`domain::chain`); this reads
//! the entries in pages, so a history of millions of entries is checked in bounded memory.

use std::collections::HashMap;

use uuid::Uuid;

use super::Operator;
use crate::domain::chain::{ChainWalk, Finding, History};
use crate::domain::ids::CaseId;
use crate::error::{AppError, AppResult};
use crate::models::unscoped;

/// Entries read per statement.
const PAGE: i64 = 5_000;

/// What was checked, and what does not match.
#[derive(Debug)]
pub struct HistoryReport {
    /// Entries checked, per history.
    pub checked: Vec<(History, u64)>,
    pub findings: Vec<NamedFinding>,
}

/// An entry that does not match, named for a person: its history, its id, and its case's reference (entries of a
/// case's history) or its notice's id.
#[derive(Debug)]
pub struct NamedFinding {
    pub history: History,
    pub finding: Finding,
    pub case_reference: Option<String>,
}

impl std::fmt::Display for NamedFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Finding { id, chain, mismatch } = &self.finding;
        let whose = match (self.history, &self.case_reference) {
            (History::Cases, Some(reference)) => format!("of case {reference}"),
            (History::Cases, None) => format!("of case {chain} (no longer there)"),
            (History::Notices, _) => format!("of supervision notice {chain}"),
            (History::Administration, _) => "of the administration log".to_owned(),
        };
        write!(f, "{} entry {id} {whose}: {mismatch}", self.history.table())
    }
}

/// Checks every history, or only the history of the case with `case_reference`; `progress` hears the entries
/// checked so far.
pub fn verify_history(
    operator: &mut Operator,
    case_reference: Option<&str>,
    mut progress: impl FnMut(History, u64),
) -> AppResult<HistoryReport> {
    let (conn, _) = operator.parts();
    let case = match case_reference {
        None => None,
        Some(reference) => Some(
            unscoped::case_by_reference(conn, reference)?
                .map(|(case, _)| case.id)
                .ok_or_else(|| AppError::not_found(&format!("a case with the reference {reference}")))?,
        ),
    };
    let histories: &[History] = if case.is_some() { &[History::Cases] } else { &History::ALL };
    let mut report = HistoryReport { checked: Vec::new(), findings: Vec::new() };
    for &history in histories {
        let mut walk = ChainWalk::new(history);
        let mut after = None;
        let mut checked = 0;
        loop {
            let page = unscoped::history_chain_entries(conn, history, case.map(CaseId::uuid), after, PAGE)?;
            page.iter().for_each(|entry| walk.push(entry));
            checked += page.len() as u64;
            progress(history, checked);
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => after = Some((chain_key(&last.chain)?, last.position)),
                _ => break,
            }
        }
        let (entries, findings) = walk.finish();
        report.checked.push((history, entries));
        report.findings.extend(findings.into_iter().map(|finding| NamedFinding {
            history,
            finding,
            case_reference: None,
        }));
    }
    name_cases(conn, &mut report.findings)?;
    Ok(report)
}

fn chain_key(chain: &str) -> AppResult<Uuid> {
    chain.parse().map_err(|_| AppError::internal(format!("a history chain's key is no UUID: {chain}")))
}

/// Adds the case's reference to each finding in a case's history.
fn name_cases(conn: &mut diesel::PgConnection, findings: &mut [NamedFinding]) -> AppResult<()> {
    let case_ids: Vec<CaseId> =
        findings.iter().filter(|f| f.history == History::Cases).filter_map(|f| f.finding.chain.parse().ok()).collect();
    let references: HashMap<String, String> =
        unscoped::references(conn, &case_ids)?.into_iter().map(|(id, r)| (id.to_string(), r)).collect();
    for finding in findings.iter_mut().filter(|f| f.history == History::Cases) {
        finding.case_reference = references.get(&finding.finding.chain).cloned();
    }
    Ok(())
}
