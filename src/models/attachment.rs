//! Files attached to cases: added, listed, and withdrawn (never deleted). The bytes are in the file store under
//! `storage_key`; callers reach an attachment through a case they may read.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::attachments;
use crate::domain::evidence::AttachmentKind;
use crate::domain::ids::AccountId;
use crate::domain::ids::AttachmentId;
use crate::domain::ids::CaseId;
use crate::domain::permission::{act, Authorized};
use crate::domain::role::ActorRole;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct Attachment {
    pub id: AttachmentId,
    pub case_id: CaseId,
    #[diesel(embed)]
    pub upload: Upload,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
}

/// A file as it was attached: the kind of evidence, its name, type, size and SHA-256 digest, where its bytes are in
/// the file store, and who attached it in which role, when; the same in the row read and the row written.
#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct Upload {
    pub kind: AttachmentKind,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: AccountId,
    pub uploader_role: ActorRole,
    pub uploaded_at: DateTime<Utc>,
}

impl Attachment {
    /// Whether the petitioner attached it (which the confidentiality rule asks).
    pub fn by_petitioner(&self) -> bool {
        self.upload.uploader_role == ActorRole::Petitioner
    }
}

#[derive(Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment<'a> {
    pub id: AttachmentId,
    pub case_id: CaseId,
    pub jurisdiction_code: &'a str,
    #[diesel(embed)]
    pub upload: Upload,
}

pub fn insert(
    conn: &mut PgConnection,
    decided: &Authorized<act::Attach>,
    new: &NewAttachment<'_>,
) -> QueryResult<Attachment> {
    super::decided_for(decided, new.case_id)?;
    diesel::insert_into(attachments::table).values(new).returning(Attachment::as_returning()).get_result(conn)
}

/// How many files a case holds (withdrawn ones too).
pub(in crate::models) fn count_of_case(conn: &mut PgConnection, case_id: CaseId) -> QueryResult<i64> {
    attachments::table.filter(attachments::case_id.eq(case_id)).count().get_result(conn)
}

/// The files of these cases, oldest first.
pub(in crate::models) fn of_cases(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<Attachment>> {
    attachments::table
        .filter(attachments::case_id.eq_any(case_ids))
        .order((attachments::uploaded_at, attachments::id))
        .select(Attachment::as_select())
        .load(conn)
}

/// One attachment by id, whatever its case (the caller checks the case).
pub(in crate::models) fn find(conn: &mut PgConnection, id: AttachmentId) -> QueryResult<Option<Attachment>> {
    attachments::table.find(id).select(Attachment::as_select()).first(conn).optional()
}

/// Marks an attachment withdrawn, unless it was already; the withdrawn one, or none.
pub fn withdraw(
    conn: &mut PgConnection,
    _decided: &Authorized<act::Attach>,
    id: AttachmentId,
    by: AccountId,
    reason: &str,
    at: DateTime<Utc>,
) -> QueryResult<Option<Attachment>> {
    diesel::update(attachments::table.find(id).filter(attachments::withdrawn_at.is_null()))
        .set((
            attachments::withdrawn_at.eq(at),
            attachments::withdrawn_by.eq(by),
            attachments::withdrawal_reason.eq(reason),
        ))
        .returning(Attachment::as_returning())
        .get_result(conn)
        .optional()
}
