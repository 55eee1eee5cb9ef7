//! `GET /files/{id}`: an attached file's bytes, with the bearer token as for `/graphql`. The file's case is
//! checked exactly as `case(id)` checks it, and the confidentiality rule as `Case.attachments` applies it: a file
//! the caller may not see answers 404, exactly like an unknown id. The answer is always a download
//! (`Content-Disposition: attachment`), of the type recognised at upload, never sniffed (`nosniff` is on every
//! answer).

use actix_web::{web, HttpRequest, HttpResponse};

use super::graphql::{coded_refusal, request_data, status_of};
use super::language::{prefers_chinese, render};
use crate::error::{AppError, Message};
use crate::graphql::context::{AppState, Authentication};
use crate::services::evidence;
use crate::services::{Environment, WorkContext};

pub async fn download(req: HttpRequest, id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    let (info, _) = request_data(&req, &state).await;
    let caller = match info.auth {
        Authentication::Authenticated(caller) => caller,
        Authentication::Provisional(_) => return refused(&req, AppError::forbidden(Message::TemporaryPassword)),
        Authentication::Unavailable => {
            return refused(&req, AppError::unavailable("the account behind the token could not be loaded"))
        }
        _ => return refused(&req, AppError::unauthenticated(Message::SignInFirst)),
    };
    let Ok(id) = id.parse::<crate::domain::ids::AttachmentId>() else {
        return refused(&req, AppError::not_found("file"));
    };
    let work = WorkContext { caller, env: Environment::of(&state.settings, state.clock.now()) };
    let found = state.db.run(move |conn| evidence::visible(conn, &work, id)).await;
    let attachment = match found {
        Ok((attachment, _)) => attachment,
        Err(e) => return refused(&req, e),
    };
    match state.files.get(&attachment.upload.storage_key).await {
        Ok(bytes) => HttpResponse::Ok()
            .content_type(attachment.upload.content_type.as_str())
            .insert_header(("Content-Disposition", content_disposition(&attachment.upload.file_name)))
            .body(bytes),
        Err(e) => refused(&req, e),
    }
}

/// The refusal as the API gives it, in the request's language.
fn refused(req: &HttpRequest, e: AppError) -> HttpResponse {
    coded_refusal(status_of(e.code.as_str()), e.code, &render(&e.message, prefers_chinese(req)))
}

/// `attachment` with the name: an ASCII fallback, and the name itself in RFC 5987's encoding.
fn content_disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
    named_attachment(&ascii, name)
}

/// `attachment` named `ascii` for clients that read only `filename` (it must be plain ASCII without quotes), and
/// `name` for those that read RFC 5987's `filename*` (all current browsers).
pub(super) fn named_attachment(ascii: &str, name: &str) -> String {
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_offered_in_both_encodings() {
        assert_eq!(
            super::content_disposition("答复 1.pdf"),
            "attachment; filename=\"___1.pdf\"; filename*=UTF-8''%E7%AD%94%E5%A4%8D%201.pdf"
        );
    }
}
