//! A bug that panics in a handler is answered `INTERNAL` with the request id, like any other internal error,
//! instead of a connection dropped without a word. The guard sits on each route's resource, where the request has
//! been routed: before routing, actix needs the request unshared (`HttpRequest::match_info_mut`), so the request
//! the answer is made for could not be kept.

use std::panic::AssertUnwindSafe;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpMessage, HttpResponse, Resource};
use futures_util::FutureExt;

use super::request_id::RequestId;

/// The resource of `path`, with its handlers' panics answered. It is named after its path, so that the metrics
/// and traces label a request by its route (`HttpRequest::match_name`, read without matching the path again).
pub fn resource(
    path: &str,
) -> Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path).name(path).wrap(from_fn(answer_panics))
}

async fn answer_panics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let asked = req.request().clone();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => Ok(res?.map_into_left_body()),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "the request panicked; answered INTERNAL");
            let id = asked.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
            let body = serde_json::json!({"errors": [{"message": "internal error",
                "extensions": {"code": "INTERNAL", "requestId": id}}]});
            let answer = HttpResponse::InternalServerError()
                .content_type("application/json; charset=utf-8")
                .body(body.to_string());
            Ok(ServiceResponse::new(asked, answer).map_into_right_body())
        }
    }
}
