//! The file store: where the bytes of attached files live, behind one abstraction (the `object_store` crate), so
//! that a deployment keeps them on the local file system (`FILES_DIR`; by default a `files` folder beside the
//! embedded database) or, with several server instances, in an S3-compatible bucket they share (`FILES_S3_*`). Keys are
//! `cases/<case id>/<attachment id>`, never anything a client chose.

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
}

impl FileStore {
    /// Files under the folder `dir` (made if missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<FileStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot make the files folder {} (FILES_DIR): {e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| anyhow::anyhow!("cannot use the files folder {}: {e}", dir.display()))?;
        Ok(FileStore { store: Arc::new(store) })
    }

    /// Files in an S3-compatible bucket (path-style requests, so that MinIO-like stores work; plain HTTP allowed
    /// only for an `http://` endpoint given explicitly).
    pub fn s3(settings: &crate::config::S3Store) -> anyhow::Result<FileStore> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            .with_virtual_hosted_style_request(false);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| anyhow::anyhow!("FILES_S3_BUCKET {}: {e}", settings.bucket))?;
        Ok(FileStore { store: Arc::new(store) })
    }

    /// The key of an attachment's bytes.
    pub fn key_of(case_id: impl std::fmt::Display, attachment_id: crate::domain::ids::AttachmentId) -> String {
        format!("cases/{case_id}/{attachment_id}")
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> AppResult<()> {
        self.store.put(&Path::from(key), PutPayload::from(bytes)).await.map_err(unavailable)?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> AppResult<actix_web::web::Bytes> {
        let found = self.store.get(&Path::from(key)).await.map_err(unavailable)?;
        found.bytes().await.map_err(unavailable)
    }

    /// Takes away bytes stored for an attachment that was then not recorded (the database refused it), so that a
    /// refused file leaves nothing behind. Failing that is logged: the bytes are unreachable without their row.
    pub async fn forget(&self, key: &str) {
        if let Err(e) = self.store.delete(&Path::from(key)).await {
            tracing::warn!(error = %e, key, "could not remove the bytes of a file that was not recorded");
        }
    }
}

fn unavailable(e: object_store::Error) -> AppError {
    AppError::unavailable(format!("file store: {e}"))
}
