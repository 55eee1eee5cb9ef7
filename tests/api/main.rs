//! One integration-test binary (zero2prod's layout): every module talks real HTTP to a real server over a real
//! PostgreSQL database.

mod accounts;
mod administration;
mod arguments;
mod bad_input;
mod browser;
mod cases;
mod clients;
mod command_line;
mod cross_site;
mod deployment;
mod embedded;
mod evidence;
mod export;
mod feed;
mod figures;
mod generate;
mod health;
mod helpers;
mod history_chain;
mod lifecycle;
mod live;
mod matrix;
mod nulls;
mod oversight;
mod persisted;
mod playground;
mod reception;
mod replay;
mod schema;
mod server_sent_events;
mod shape;
mod tokens;
mod tracing;
mod webhooks;
