//! The petition (信访) case service: a GraphQL API over PostgreSQL for citizens, bureau and unit clerks, case leads
//! and joint-conference committees. See README.md to run it, `docs/DOMAIN.md` for the domain and
//! `docs/ARCHITECTURE.md` for the layers and where each decision is made.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod files;
pub mod generate;
pub mod graphql;
pub mod http;
pub mod live;
pub mod metrics;
pub mod models;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
