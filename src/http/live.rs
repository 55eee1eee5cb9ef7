//! `GET /graphql` with `Upgrade: websocket`: subscriptions over `graphql-transport-ws` (and the older
//! `graphql-ws`). The access token comes in the `connection_init` payload (`{"authorization": "Bearer …"}` or
//! `{"token": "…"}`), since browsers cannot set headers on WebSockets; a missing or bad token closes the
//! connection with 4401, a temporary password's with 4403 (the protocol's codes, which its clients treat as final
//! instead of reconnecting in a loop). An operation that fails before it yields anything (it does not validate, or
//! is one subscription more than a connection may hold) is answered with the protocol's `error` message, its
//! errors coded as over HTTP; the connection and its other subscriptions go on. Errors and the reasons of closes
//! are in the language the upgrade's `Accept-Language` asked for. Each subscription ends when that token expires,
//! or at its next event after a password or role change.
//!
//! async-graphql runs the protocol; this module carries its messages over actix-ws, so that the close codes are
//! the protocol's and a client's close is answered.

use std::cell::Cell;
use std::rc::Rc;
use std::str::FromStr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::guard::GuardContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason};
use async_graphql::http::{WebSocket, WebSocketProtocols as Protocols, WsMessage};
use async_graphql::Data;

use super::graphql::{code_errors, refusal};
use super::language::{prefers_chinese, render};
use super::request_id::RequestId;
use crate::error::{AppError, Message};
use crate::graphql::context::{AppState, Authentication, RequestInfo};
use crate::graphql::live::SubscriptionBudget;
use crate::graphql::loaders::Loaders;
use crate::graphql::AppSchema;
use crate::services::sessions::authenticate_session;

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

/// The close codes of `graphql-transport-ws` this server uses, with their reasons.
mod close {
    /// A message that is not one of the protocol's.
    pub const BAD_MESSAGE: u16 = 4400;
    /// No valid access token in `connection_init`, or a `subscribe` before the connection was acknowledged.
    pub const UNAUTHORIZED: u16 = 4401;
    /// A token that may not open live connections (a temporary password's).
    pub const FORBIDDEN: u16 = 4403;
    /// The database is away: try again later (RFC 6455's "try again later").
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// The client stopped answering pings.
    pub const GOING_AWAY: u16 = 1001;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
}

/// How often the server pings a live connection, and how long it waits for any sign of the client.
const PING_EVERY: Duration = Duration::from_secs(10);
const CLIENT_SILENT_AT_MOST: Duration = Duration::from_secs(30);
/// How long a connection may stay open without being acknowledged (a `connection_init` with a good token).
const INIT_WITHIN: Duration = Duration::from_secs(10);
/// The largest message a client may send (a `subscribe` with its query and variables).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

pub async fn subscriptions(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> actix_web::Result<HttpResponse> {
    let Some(protocol) = req
        .headers()
        .get(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|offered| offered.split(',').find_map(|p| Protocols::from_str(p.trim()).ok()))
    else {
        return Ok(refusal(&req, StatusCode::BAD_REQUEST, Message::AskForSubprotocol));
    };
    let (response, session, incoming) =
        actix_ws::handle_with_protocols(&req, payload, &[protocol.sec_websocket_protocol()])?;
    let state = state.get_ref().clone();
    let request_id: Arc<str> =
        req.extensions().get::<RequestId>().map_or_else(Default::default, |r| r.0.as_str().into());
    let chinese = prefers_chinese(&req);
    let client_ip = super::client_addr::client_addr(&req, &state.settings.trusted_proxies);
    // Why `connection_init` was refused, as a close code (async-graphql closes every refusal with 1002).
    let refused_with = Arc::new(AtomicU16::new(0));
    let budget = SubscriptionBudget::default();
    let init = {
        let (refused_with, budget, request_id) = (refused_with.clone(), budget.clone(), request_id.clone());
        move |init: serde_json::Value| async move {
            let token = token_of(&init);
            let (auth, session) = authenticate_session(&state, token.as_deref()).await;
            // The close's reason is the message, in the language the upgrade asked for.
            let refuse = |code: u16, error: AppError| {
                refused_with.store(code, Ordering::SeqCst);
                Err(async_graphql::Error::new(render(&error.message, chinese)))
            };
            let caller = match &auth {
                Authentication::Authenticated(caller) => caller,
                Authentication::Unavailable => {
                    let error = AppError::unavailable("the account behind the token could not be loaded");
                    return refuse(close::TRY_AGAIN_LATER, error);
                }
                Authentication::Provisional(_) => {
                    let error = AppError::forbidden(Message::TemporaryPassword);
                    return refuse(close::FORBIDDEN, error);
                }
                _ => {
                    let error = AppError::unauthenticated(Message::ConnectionInitToken);
                    return refuse(close::UNAUTHORIZED, error);
                }
            };
            tracing::info!(request_id = &*request_id, user = %caller.username, "live connection opened");
            let mut data = Data::default();
            data.insert(Loaders::new(&state, Some(caller)));
            if let Some(session) = session {
                data.insert(session);
            }
            data.insert(budget);
            data.insert(RequestInfo { auth, request_id: request_id.to_string(), client_ip });
            Ok(data)
        }
    };
    let (to_protocol, mut from_client) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let from_client = futures_util::stream::poll_fn(move |cx| from_client.poll_recv(cx));
    let answering = Answering { schema: schema.get_ref().clone(), chinese, request_id };
    let protocol_stream = WebSocket::new(answering, from_client, protocol).on_connection_init(init);
    let last_heard = Rc::new(Cell::new(Instant::now()));
    actix_web::rt::spawn(read_client(incoming, session.clone(), to_protocol, last_heard.clone()));
    let protocol_stream = Box::pin(failures_as_errors(protocol_stream));
    actix_web::rt::spawn(write_client(protocol_stream, session, refused_with, last_heard));
    Ok(response)
}

/// The schema as a connection's operations meet it: every error coded as over HTTP (an uncoded one is the
/// client's, an `INTERNAL` one names the request) and its message in the language the upgrade asked for, read
/// from the message value the error carries.
#[derive(Clone)]
struct Answering {
    schema: AppSchema,
    chinese: bool,
    request_id: Arc<str>,
}

impl async_graphql::Executor for Answering {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        let mut response = self.schema.execute(request).await;
        code_errors(&mut response.errors, self.chinese, &self.request_id);
        response
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> futures_util::stream::BoxStream<'static, async_graphql::Response> {
        use futures_util::StreamExt;
        let (chinese, request_id) = (self.chinese, self.request_id.clone());
        let responses = self.schema.execute_stream_with_session_data(request, session_data.unwrap_or_default());
        responses
            .map(move |mut response| {
                code_errors(&mut response.errors, chinese, &request_id);
                response
            })
            .boxed()
    }
}

/// Passes the client's messages to the protocol (which ends when this ends), answers pings, and answers the
/// client's close with a close of the same code, as RFC 6455 asks.
async fn read_client(
    incoming: actix_ws::MessageStream,
    mut session: actix_ws::Session,
    to_protocol: tokio::sync::mpsc::Sender<Vec<u8>>,
    last_heard: Rc<Cell<Instant>>,
) {
    use actix_ws::AggregatedMessage;
    let mut incoming = incoming.max_frame_size(MAX_MESSAGE_BYTES).aggregate_continuations();
    while let Some(message) = incoming.recv().await {
        last_heard.set(Instant::now());
        let passed = match message {
            Ok(AggregatedMessage::Text(text)) => to_protocol.send(text.as_bytes().to_vec()).await,
            Ok(AggregatedMessage::Binary(bytes)) => to_protocol.send(bytes.to_vec()).await,
            Ok(AggregatedMessage::Ping(bytes)) => {
                let _ = session.pong(&bytes).await;
                continue;
            }
            Ok(AggregatedMessage::Pong(_)) => continue,
            Ok(AggregatedMessage::Close(reason)) => {
                let _ = session.close(reason).await;
                return;
            }
            Err(error) => {
                tracing::debug!(?error, "live connection: bad frame");
                let reason = CloseReason { code: CloseCode::Protocol, description: Some(error.to_string()) };
                let _ = session.close(Some(reason)).await;
                return;
            }
        };
        if passed.is_err() {
            return;
        }
    }
}

/// Sends the protocol's messages to the client, pings it, and closes with the code the protocol's end calls for.
async fn write_client<S: futures_util::Stream<Item = WsMessage> + Unpin>(
    mut protocol_stream: S,
    mut session: actix_ws::Session,
    refused_with: Arc<AtomicU16>,
    last_heard: Rc<Cell<Instant>>,
) {
    use futures_util::StreamExt;
    let mut ping = actix_web::rt::time::interval(PING_EVERY);
    let opened = Instant::now();
    let mut acknowledged = false;
    let (code, reason) = loop {
        tokio::select! {
            message = protocol_stream.next() => match message {
                Some(WsMessage::Text(text)) => {
                    acknowledged = acknowledged || text.contains(r#""connection_ack""#);
                    if session.text(text).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, reason)) => break (close_code(code, &refused_with), reason),
                // The client's side ended (closed, or gone).
                None => return,
            },
            _ = ping.tick() => {
                if !acknowledged && opened.elapsed() > INIT_WITHIN {
                    break (close::INIT_TIMEOUT, "Connection initialisation timeout".to_owned());
                }
                if last_heard.get().elapsed() > CLIENT_SILENT_AT_MOST {
                    break (close::GOING_AWAY, "no answer to pings".to_owned());
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = session.close(Some(CloseReason { code: CloseCode::Other(code), description: Some(reason) })).await;
}

/// How long after an operation's failure async-graphql's `complete` for it may take to come.
const COMPLETE_WITHIN: Duration = Duration::from_millis(200);

/// The protocol's messages, with an operation that failed before yielding anything answered as
/// `graphql-transport-ws` says: one `error` message with its errors (coded as over HTTP, each once), where
/// async-graphql sends a `next` holding only errors and then `complete`.
fn failures_as_errors<S>(protocol: S) -> impl futures_util::Stream<Item = WsMessage>
where
    S: futures_util::Stream<Item = WsMessage> + Unpin,
{
    use futures_util::StreamExt;
    futures_util::stream::unfold((protocol, None::<WsMessage>), |(mut protocol, held)| async move {
        let message = match held {
            Some(message) => message,
            None => protocol.next().await?,
        };
        let WsMessage::Text(text) = &message else { return Some((message, (protocol, None))) };
        let Some((id, errors)) = only_errors(text) else { return Some((message, (protocol, None))) };
        match tokio::time::timeout(COMPLETE_WITHIN, protocol.next()).await {
            Ok(Some(WsMessage::Text(next))) if completes(&next, &id) => {
                let error = serde_json::json!({"type": "error", "id": id, "payload": errors});
                Some((WsMessage::Text(error.to_string()), (protocol, None)))
            }
            // Anything else: the `next` goes as it is, and what came after it follows.
            Ok(Some(other)) => Some((message, (protocol, Some(other)))),
            Ok(None) | Err(_) => Some((message, (protocol, None))),
        }
    })
}

/// A `next` message that holds errors and no data: its operation's id and its errors, each once (they are coded
/// already: see `Answering`).
fn only_errors(text: &str) -> Option<(String, Vec<serde_json::Value>)> {
    let message: serde_json::Value = serde_json::from_str(text).ok()?;
    if message["type"] != "next" || !message["payload"]["data"].is_null() {
        return None;
    }
    let mut errors: Vec<serde_json::Value> = Vec::new();
    for error in message["payload"]["errors"].as_array()?.iter().cloned() {
        if !errors.contains(&error) {
            errors.push(error);
        }
    }
    let id = message["id"].as_str()?.to_owned();
    (!errors.is_empty()).then_some((id, errors))
}

/// Whether `text` is the `complete` of the operation `id`.
fn completes(text: &str, id: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|m| m["type"] == "complete" && m["id"] == id)
}

/// The close code of `graphql-transport-ws` for async-graphql's own: a refused `connection_init` by why it was
/// refused, a message that is not the protocol's 4400, a `subscribe` before the acknowledgement 4401.
fn close_code(async_graphql_code: u16, refused_with: &AtomicU16) -> u16 {
    match (async_graphql_code, refused_with.load(Ordering::SeqCst)) {
        (1002, 0) => close::BAD_MESSAGE,
        (1002, why) => why,
        (1011, _) => close::UNAUTHORIZED,
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_with_only_errors_is_one_error_message_with_each_error_once() {
        let failed = r#"{"type":"next","id":"7","payload":{"data":null,"errors":[
            {"message":"Unknown field","extensions":{"code":"BAD_USER_INPUT"}},
            {"message":"Unknown field","extensions":{"code":"BAD_USER_INPUT"}},
            {"message":"late","extensions":{"code":"RATE_LIMITED"}}]}}"#;
        let (id, errors) = only_errors(failed).unwrap();
        assert_eq!(id, "7");
        assert_eq!(errors.len(), 2, "each error once: {errors:?}");
        assert_eq!(errors[1]["extensions"]["code"], "RATE_LIMITED");
        assert!(
            only_errors(r#"{"type":"next","id":"7","payload":{"data":{"x":1},"errors":[{"message":"m"}]}}"#).is_none()
        );
        assert!(
            completes(r#"{"type":"complete","id":"7"}"#, "7") && !completes(r#"{"type":"complete","id":"8"}"#, "7")
        );
    }

    #[test]
    fn tokens_come_from_the_init_payload() {
        assert_eq!(token_of(&serde_json::json!({"authorization": "Bearer abc"})).as_deref(), Some("abc"));
        assert_eq!(token_of(&serde_json::json!({"Authorization": "bearer  abc "})).as_deref(), Some("abc"));
        assert_eq!(token_of(&serde_json::json!({"token": "abc"})).as_deref(), Some("abc"));
        assert_eq!(token_of(&serde_json::json!({"token": ""})), None);
        assert_eq!(token_of(&serde_json::json!(null)), None);
    }
}
