//! Cross-origin requests from the browser pages of other origins (`CORS_ORIGINS`; none by default): a portal's
//! page at another address may call the API with its bearer token. Only the listed origins get the CORS headers; no
//! credentials (cookies) are involved, since tokens travel in the `Authorization` header.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::state::AppState;

/// The request headers an allowed page may send: the token, content negotiation, a request id, and the headers an
/// upload must carry to show it was preflighted (`graphql::PREFLIGHT_HEADERS`; a test checks they are all here).
const ALLOWED_HEADERS: &str = "authorization, content-type, accept, accept-language, x-request-id, \
     apollo-require-preflight, x-apollo-operation-name, x-requested-with";

/// How long a browser may remember a preflight's answer.
const PREFLIGHT_MAX_AGE_SECS: &str = "600";

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let allowed = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).and_then(|origin| {
        let state = req.app_data::<web::Data<AppState>>()?;
        state.settings.cors_origins.iter().any(|o| o == origin).then(|| origin.to_owned())
    });
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let answer = match &allowed {
            Some(origin) => HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.as_str()))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECS))
                .insert_header((header::VARY, "Origin"))
                .finish(),
            None => HttpResponse::Forbidden().body("this origin may not call the API (CORS_ORIGINS)"),
        };
        return Ok(req.into_response(answer).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    if let Some(origin) = allowed.and_then(|o| HeaderValue::from_str(&o).ok()) {
        let headers = res.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-request-id, retry-after, content-disposition"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_allowed_to_upload_may_send_the_headers_an_upload_needs() {
        for name in crate::http::graphql::PREFLIGHT_HEADERS {
            assert!(super::ALLOWED_HEADERS.split(", ").any(|h| h == name), "{name}");
        }
    }
}
