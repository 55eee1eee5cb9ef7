//! The HTTP surface: `/graphql` (POST operations, GET playground, WebSocket subscriptions), `/healthz`, `/readyz`, playground assets.

pub mod client_addr;
pub mod cors;
pub mod export;
pub mod files;
pub mod graphql;
pub mod language;
pub mod large_requests;
pub mod live;
pub mod panics;
pub mod playground;
pub mod request_id;
pub mod sse;

use actix_web::{guard, web, HttpResponse};

use crate::graphql::context::AppState;

/// The server's route patterns besides the exports', as the HTTP metrics label requests (anything else is
/// `unmatched`).
const ROUTES: [&str; 6] = ["/graphql", "/playground/{file}", "/files/{id}", "/healthz", "/readyz", "/metrics"];

/// The label of a request's route: the name of the resource it matched (each is named after its pattern, see
/// `panics::resource`) when that is one of [`ROUTES`], else `unmatched` (a client's paths are not labels).
fn route_label(name: Option<&str>) -> &'static str {
    let exports = export::FILES.iter().map(|(path, _, _)| path);
    name.and_then(|n| ROUTES.iter().chain(exports).find(|r| **r == n)).copied().unwrap_or("unmatched")
}

/// Every route, each on a resource that answers its handlers' panics (`panics`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    use panics::resource;
    cfg.service(
        resource("/graphql")
            .route(web::post().to(graphql::execute))
            .route(web::get().guard(guard::fn_guard(live::is_upgrade)).to(live::subscriptions))
            .route(web::get().to(graphql::execute_get)),
    )
    .service(resource("/graphql/stream").route(web::post().to(sse::post)).route(web::get().to(sse::get)))
    .service(resource("/playground/{file}").route(web::get().to(playground::asset)))
    .service(resource("/files/{id}").route(web::get().to(files::download)))
    .service(resource("/healthz").route(web::get().to(healthz)))
    .service(resource("/readyz").route(web::get().to(readyz)))
    .service(resource("/metrics").route(web::get().to(metrics)));
    for (path, what, format) in export::FILES {
        let serve = move |req, params, served| export::serve(req, params, served, what, format);
        cfg.service(resource(path).route(web::get().to(serve)));
    }
}

/// The process is up.
/// Prometheus' text format. With `METRICS_TOKEN` set, only for `Authorization: Bearer <that token>`.
async fn metrics(req: actix_web::HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(token) = &state.settings.metrics_token {
        let presented = req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let expected = format!("Bearer {token}");
        let matches = presented.is_some_and(|p| {
            p.len() == expected.len() && p.bytes().zip(expected.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
        });
        if !matches {
            return HttpResponse::Unauthorized().body("metrics need the METRICS_TOKEN as a bearer token");
        }
    }
    use std::sync::atomic::Ordering::Relaxed;
    let pool = state.db.pool().state();
    let waits = state.db.pool_waits();
    let (key_read_sessions, key_read_sessions_lost) = state.db.key_read_sessions();
    let pool = crate::metrics::PoolState {
        key_read_sessions,
        key_read_sessions_lost,
        connections: pool.connections,
        idle: pool.idle_connections,
        waits: waits.waits.load(Relaxed),
        waited_seconds: waits.waited_micros.load(Relaxed) as f64 / 1e6,
        timeouts: waits.timeouts.load(Relaxed),
    };
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render(pool))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The process can serve: the database answers, within a second (a load balancer must learn of an outage before
/// its own check times out).
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let answered = tokio::time::timeout(std::time::Duration::from_secs(1), state.db.ping()).await;
    if answered == Ok(true) {
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "database unreachable"}))
    }
}
