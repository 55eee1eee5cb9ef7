//! Attaching files to a case, and withdrawing them. A file is checked before its bytes are stored (its size, and
//! what it is by its first bytes, whatever its name or declared type say), the caller's right to attach to the case
//! is checked before anything is stored, and the record (the attachment and its history entry, with the file's
//! SHA-256) is written in one transaction once the bytes are in the store. Files are never deleted: a wrong one is
//! withdrawn with a reason, and the history says so.

use diesel::{Connection, PgConnection};
use sha2::{Digest, Sha256};

use super::case_work::engine::{load, parties, perform_authorized, Step};
use super::WorkContext;
use crate::domain::case::EventKind;
use crate::domain::details::{FileAttached, FileWithdrawn};
use crate::domain::evidence::{
    clean_name, shows_attachment, sniff, AttachmentKind, MAX_FILES_PER_CASE, MAX_FILE_BYTES,
};
use crate::domain::ids::AttachmentId;
use crate::domain::ids::CaseId;
use crate::domain::permission::{act, authorize_attachment, Authorized, Operation};
use crate::domain::person::{parse_text, NOTE_MAX_CHARS};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::attachment::{self, Attachment, NewAttachment, Upload};
use crate::models::case::Case;

/// A file as checked, ready to be stored and recorded.
pub struct CheckedFile {
    pub id: AttachmentId,
    pub name: String,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: String,
}

/// Checks a file's size and content and cleans its name; `field` names the upload in refusals.
pub fn check_file(name: &str, bytes: &[u8], field: &str) -> AppResult<CheckedFile> {
    if bytes.is_empty() {
        return Err(AppError::bad_input(field, Message::FileEmpty));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::bad_input(field, Message::FileTooLarge((MAX_FILE_BYTES / (1024 * 1024)).to_string())));
    }
    let content_type =
        sniff(&bytes[..bytes.len().min(64)]).ok_or_else(|| AppError::bad_input(field, Message::FileType))?;
    Ok(CheckedFile {
        id: AttachmentId::new_v4(),
        name: clean_name(name),
        content_type,
        size: bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// Whether the caller may attach a file to the case, and it has room for one: the case and the role the caller
/// attaches in, or why not. Run before the bytes are stored.
pub fn may_attach(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
) -> AppResult<(Case, Authorized<act::Attach>)> {
    let case = load(conn, ctx, case_id, None)?;
    let proof = authorize_attachment(&ctx.caller, &parties(conn, &case)?)?;
    if crate::models::unscoped::attachment_count(conn, case_id)? >= MAX_FILES_PER_CASE {
        return Err(AppError::bad_input("input.caseId", Message::TooManyFiles(MAX_FILES_PER_CASE.to_string())));
    }
    Ok((case, proof))
}

/// Records a file whose bytes are stored under `storage_key`: the attachment and its history entry, in one
/// transaction that checks again what [`may_attach`] checked.
pub fn record(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    kind: AttachmentKind,
    file: &CheckedFile,
    storage_key: &str,
) -> AppResult<Attachment> {
    conn.transaction(|conn| {
        let (case, proof) = may_attach(conn, ctx, case_id)?;
        let jurisdiction_code = case.jurisdiction_code.clone();
        let mut step = Step::new(Operation::Attach, EventKind::FileAttached);
        step.details(&FileAttached {
            attachment_id: file.id,
            kind,
            file_name: file.name.clone(),
            size_bytes: file.size,
            sha256: file.sha256.clone(),
        });
        perform_authorized(conn, ctx, case, &mut step, &proof)?;
        Ok(attachment::insert(
            conn,
            &proof,
            &NewAttachment {
                id: file.id,
                case_id,
                jurisdiction_code: &jurisdiction_code,
                upload: Upload {
                    kind,
                    file_name: file.name.clone(),
                    content_type: file.content_type.to_owned(),
                    size_bytes: file.size,
                    sha256: file.sha256.clone(),
                    storage_key: storage_key.to_owned(),
                    uploaded_by: ctx.caller.account_id,
                    uploader_role: proof.role().into(),
                    uploaded_at: ctx.env.now,
                },
            },
        )?)
    })
}

/// An attachment the caller may see, with its case; `NOT_FOUND` for one of a case out of scope, or one the
/// confidentiality rule keeps from them, exactly as for an unknown id.
pub fn visible(conn: &mut PgConnection, ctx: &WorkContext, id: AttachmentId) -> AppResult<(Attachment, Case)> {
    let not_found = || AppError::not_found("file");
    let found = crate::models::unscoped::attachment(conn, id)?.ok_or_else(not_found)?;
    let scope = crate::domain::scope::case_scope(&ctx.caller);
    let case = crate::models::case::find_visible(conn, &scope, found.case_id)?.ok_or_else(not_found)?;
    if !shows_attachment(&ctx.caller, &case.facts(), found.upload.kind, found.by_petitioner()) {
        return Err(not_found());
    }
    Ok((found, case))
}

/// Withdraws a file: whoever uploaded it, or staff working on the case. The file stays, marked withdrawn.
pub fn withdraw(conn: &mut PgConnection, ctx: &WorkContext, id: AttachmentId, reason: &str) -> AppResult<Attachment> {
    let reason = parse_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    conn.transaction(|conn| {
        let (found, case) = visible(conn, ctx, id)?;
        let case = load(conn, ctx, case.id, None)?;
        let proof = authorize_attachment(&ctx.caller, &parties(conn, &case)?)?;
        if proof.role() == Role::Petitioner && found.upload.uploaded_by != ctx.caller.account_id {
            return Err(AppError::forbidden(Message::OwnFilesOnly));
        }
        let withdrawn = attachment::withdraw(conn, &proof, id, ctx.caller.account_id, &reason, ctx.env.now)?
            .ok_or_else(|| AppError::new(ErrorCode::InvalidTransition, Message::FileWithdrawn))?;
        let mut step = Step::new(Operation::Attach, EventKind::FileWithdrawn);
        step.details(&FileWithdrawn { attachment_id: id, reason });
        perform_authorized(conn, ctx, case, &mut step, &proof)?;
        Ok(withdrawn)
    })
}
