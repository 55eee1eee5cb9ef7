//! `GET /graphql` with `Upgrade: websocket`: subscriptions over `graphql-transport-ws` (and the older
//! `graphql-ws`). The access token comes in the `connection_init` payload (`{"authorization": "Bearer …"}` or
//! `{"token": "…"}`), since browsers cannot set headers on WebSockets; a missing or bad token refuses the
//! connection. Each subscription ends when that token expires, or at its next event after a password or role change.

use actix_web::guard::GuardContext;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use async_graphql::Data;
use async_graphql_actix_web::GraphQLSubscription;

use super::request_id::RequestId;
use crate::auth::session::authenticate_session;
use crate::error::AppError;
use crate::graphql::context::{AppState, Authentication, RequestInfo};
use crate::graphql::live::SubscriptionBudget;
use crate::graphql::loaders::Loaders;
use crate::graphql::AppSchema;

/// Whether the request asks to become a WebSocket.
pub fn is_upgrade(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(actix_web::http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn token_of(payload: &serde_json::Value) -> Option<String> {
    let raw = ["authorization", "Authorization", "token"].iter().find_map(|k| payload.get(*k)?.as_str())?;
    let token = match raw.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token,
        _ => raw,
    };
    Some(token.trim().to_owned()).filter(|t| !t.is_empty())
}

pub async fn subscriptions(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> actix_web::Result<HttpResponse> {
    let state = state.get_ref().clone();
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let client_ip = super::client_addr::client_addr(&req, &state.settings.trusted_proxies);
    GraphQLSubscription::new(schema.get_ref().clone())
        .on_connection_init(move |init| async move {
            let token = token_of(&init);
            let (auth, session) = authenticate_session(&state, token.as_deref()).await;
            let caller = match &auth {
                Authentication::Authenticated(caller) => caller,
                Authentication::Unavailable => {
                    return Err(AppError::unavailable("the account behind the token could not be loaded").into())
                }
                Authentication::Provisional(_) => {
                    let refusal = AppError::forbidden("you signed in with a temporary password: change it first");
                    return Err(refusal.into());
                }
                _ => {
                    let refusal = AppError::unauthenticated("send a valid access token in the connection_init payload");
                    return Err(refusal.into());
                }
            };
            tracing::info!(request_id, user = %caller.username, "live connection opened");
            let mut data = Data::default();
            data.insert(Loaders::new(&state, Some(caller)));
            if let Some(session) = session {
                data.insert(session);
            }
            data.insert(SubscriptionBudget::default());
            data.insert(RequestInfo { auth, request_id, client_ip });
            Ok(data)
        })
        .start(&req, payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_the_init_payload() {
        assert_eq!(token_of(&serde_json::json!({"authorization": "Bearer abc"})).as_deref(), Some("abc"));
        assert_eq!(token_of(&serde_json::json!({"Authorization": "bearer  abc "})).as_deref(), Some("abc"));
        assert_eq!(token_of(&serde_json::json!({"token": "abc"})).as_deref(), Some("abc"));
        assert_eq!(token_of(&serde_json::json!({"token": ""})), None);
        assert_eq!(token_of(&serde_json::json!(null)), None);
    }
}
