//! Evidence files over GraphQL: `attachFile` (a GraphQL multipart request), `withdrawAttachment`, and the
//! `Attachment` objects `Case.attachments` lists. The bytes are downloaded from `GET /files/{id}` with the same
//! token (`crate::http::files`).

use async_graphql::{Context, InputObject, Object, Result, Upload, ID};
use chrono::{DateTime, FixedOffset};

use super::context::{local_time, object_id, state, work};
use crate::domain::evidence::{AttachmentKind, MAX_FILE_BYTES};
use crate::domain::role::ActorRole;
use crate::error::{AppError, Message};
use crate::files::FileStore;
use crate::models::attachment::Attachment;
use crate::services::evidence;

/// A file attached to a case.
pub struct AttachmentNode(pub Attachment);

/// A file attached to a case: evidence, an identity document, or a paper of the bureau's (the written answer, the
/// service record, the closure commitment).
#[Object(name = "Attachment")]
impl AttachmentNode {
    /// The attachment's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What the file is to the case.
    async fn kind(&self) -> AttachmentKind {
        self.0.upload.kind
    }

    /// The file's name (cleaned of paths and unsafe characters).
    async fn file_name(&self) -> &str {
        &self.0.upload.file_name
    }

    /// Its media type, as recognised from its content (`image/jpeg`, `image/png`, `image/webp`, `image/heic`,
    /// `application/pdf`).
    async fn content_type(&self) -> &str {
        &self.0.upload.content_type
    }

    /// Its size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.upload.size_bytes
    }

    /// The SHA-256 of its content, in hex, as the history recorded it.
    async fn sha256(&self) -> &str {
        &self.0.upload.sha256
    }

    /// In which role the uploader acted.
    async fn uploader_role(&self) -> Option<ActorRole> {
        Some(self.0.upload.uploader_role)
    }

    /// When it was attached.
    async fn uploaded_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.upload.uploaded_at)
    }

    /// When it was withdrawn (the file stays, marked), if it was.
    async fn withdrawn_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.0.withdrawn_at.map(|at| local_time(ctx, at))
    }

    /// Why it was withdrawn.
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.0.withdrawal_reason.as_deref()
    }

    /// Where to download it, with the same bearer token: `/files/<id>`.
    async fn download_path(&self) -> String {
        format!("/files/{}", self.0.id)
    }
}

/// What a file is, and to which case.
#[derive(InputObject)]
pub struct AttachFileInput {
    /// The case.
    pub case_id: ID,
    /// What the file is to the case.
    pub kind: AttachmentKind,
}

/// Withdrawing a file attached by mistake.
#[derive(InputObject)]
pub struct WithdrawAttachmentInput {
    /// The attachment.
    pub attachment_id: ID,
    /// Why (kept in the history).
    pub reason: String,
}

#[derive(Default)]
pub struct EvidenceMutation;

#[Object]
impl EvidenceMutation {
    /// Attaches a file to a case, sent as a GraphQL multipart request (`Content-Type: multipart/form-data`, the
    /// file in the variable `file`): the petitioner to their own case, staff to cases they work on. JPEG, PNG, WebP
    /// and HEIC photos and PDF documents of at most 20 MiB, recognised by their content; at most 30 files per
    /// case. A refused file leaves nothing behind.
    async fn attach_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case, and what the file is.")] input: AttachFileInput,
        #[graphql(desc = "The file.")] file: Upload,
    ) -> Result<AttachmentNode> {
        let w = work(ctx)?;
        let case_id = object_id(&input.case_id, "case")?;
        let upload = file.value(ctx).map_err(|_| AppError::bad_input("file", Message::UploadUnreadable))?;
        let name = upload.filename.clone();
        let bytes = tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut bytes = Vec::new();
            upload.into_read().take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes).map(|_| bytes)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(|_| AppError::bad_input("file", Message::UploadUnreadable))?;
        let checked = evidence::check_file(&name, &bytes, "file")?;
        let st = state(ctx);
        let ask = w.clone();
        st.db.run(move |conn| evidence::may_attach(conn, &ask, case_id).map(|_| ())).await?;
        let key = FileStore::key_of(case_id, checked.id);
        st.files.put(&key, bytes).await?;
        let (stored_key, kind) = (key.clone(), input.kind);
        let recorded = st.db.run(move |conn| evidence::record(conn, &w, case_id, kind, &checked, &stored_key)).await;
        match recorded {
            Ok(attachment) => Ok(AttachmentNode(attachment)),
            Err(refused) => {
                st.files.forget(&key).await;
                Err(refused.into())
            }
        }
    }

    /// Withdraws a file attached by mistake, with the reason: whoever attached it, or staff working on the case.
    /// Files are never deleted; the history records the withdrawal.
    async fn withdraw_attachment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which file, and why.")] input: WithdrawAttachmentInput,
    ) -> Result<AttachmentNode> {
        let w = work(ctx)?;
        let id = object_id(&input.attachment_id, "file")?;
        let withdrawn = state(ctx).db.run(move |conn| evidence::withdraw(conn, &w, id, &input.reason)).await?;
        Ok(AttachmentNode(withdrawn))
    }
}
