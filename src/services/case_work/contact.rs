//! The audited reveal of a petitioner's contact data (DOMAIN.md §7).

use diesel::PgConnection;

use super::{history, WorkContext};
use crate::domain::case::EventKind;
use crate::domain::ids::CaseId;
use crate::domain::permission::may_reveal_contact;
use crate::domain::person::parse_text;
use crate::domain::scope::case_scope;
use crate::error::{AppError, AppResult};
use crate::models::case as case_model;
use crate::models::case_event::{self, CaseEntry, NewCaseEvent};
use crate::models::unscoped;

/// `revealPetitionerContact`: the full phone and ID number for staff who may know the petitioner, recorded in
/// the history (staff-only) with its purpose. Does not change the case's version: it changes nothing about it.
pub fn reveal_contact(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    purpose: &str,
) -> AppResult<(Option<String>, Option<String>)> {
    let purpose = parse_text(purpose, "input.purpose", 500)?;
    let scope = case_scope(&ctx.caller);
    let case = case_model::find_visible(conn, &scope, case_id)?.ok_or_else(|| AppError::not_found("case"))?;
    let proof = may_reveal_contact(&ctx.caller, &case.facts())?;
    let written = history::entry_by(ctx, &proof, &case, EventKind::ContactRevealed);
    case_event::append(
        conn,
        &proof,
        &NewCaseEvent { entry: CaseEntry { note: Some(purpose), ..written.entry }, staff_only: true, ..written },
    )?;
    tracing::info!(case = %case.id, actor = %ctx.caller.account_id, "petitioner contact revealed");
    Ok(unscoped::contact(conn, case.id)?)
}
