//! Configuration, read once from environment variables at start-up (documented in README.md).

use std::net::IpAddr;
use std::time::Duration;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::domain::deadline::WorkCalendar;
use crate::domain::schedule::Rules;

/// How long a GraphQL loader waits by default to collect keys before it queries (`DATALOADER_DELAY_US`). Sibling
/// fields of a list are resolved in the same poll, so a short wait already batches them; `cargo bench` measures it.
pub const DEFAULT_BATCH_DELAY: Duration = Duration::from_micros(200);

/// Where the server runs. Production refuses unsafe defaults; development starts its own database and demo data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// How long a request waits for a connection before it is told `UNAVAILABLE` (`DB_POOL_WAIT_MS`): short, so that
/// an outage or an exhausted pool is reported while the client still waits, not after its own timeout.
pub const DEFAULT_POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Clone, Debug)]
pub struct Settings {
    pub env: AppEnv,
    pub host: IpAddr,
    pub port: u16,
    /// `None` in development means: start the embedded PostgreSQL cluster.
    pub database_url: Option<String>,
    /// The owner of the tables, for migrations and bulk loads (`MIGRATION_DATABASE_URL`); the server itself works
    /// as the role of `database_url`, which gets only the privileges it needs (see `db::privileges`).
    pub migration_database_url: Option<String>,
    /// A streaming standby of that database for the reads that tolerate a moment's lag: portal figures and the
    /// top-level lists. Everything else (writes, reads inside mutations, authentication, the live listener) uses
    /// the primary.
    pub database_read_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`, comma-separated addresses).
    pub trusted_proxies: Vec<IpAddr>,
    /// Web origins whose pages may call the API from a browser (`CORS_ORIGINS`, comma-separated, e.g.
    /// `https://portal.example.gov.cn`); none by default.
    pub cors_origins: Vec<String>,
    /// A manifest of the only operations this server runs (`TRUSTED_DOCUMENTS`, a path): Apollo's persisted query
    /// manifest or GraphQL Code Generator's `persisted-documents.json`. For the mobile app's deployment; none by
    /// default, and then any operation runs and clients may register persisted queries.
    pub trusted_documents: Option<std::path::PathBuf>,
    /// Where attached files are kept (`FILES_DIR`); by default a `files` folder beside the embedded database, which
    /// a production server warns about at start.
    pub files_dir: Option<std::path::PathBuf>,
    /// An S3-compatible object store for attached files instead of `files_dir` (`FILES_S3_BUCKET` and the other
    /// `FILES_S3_*`): how several server instances share files.
    pub files_s3: Option<S3Store>,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>` (`METRICS_TOKEN`).
    pub metrics_token: Option<String>,
    pub db_pool_size: u32,
    /// HTTP worker threads (`HTTP_WORKERS`); by default one per core: no worker waits for the database (blocking
    /// statements run on tokio's blocking threads, reads by key on pipelined asynchronous connections).
    pub http_workers: usize,
    /// How long a request waits for a database connection before it is answered `UNAVAILABLE`.
    pub db_pool_wait: Duration,
    pub jwt: JwtSettings,
    pub query_codes: QueryCodeKeys,
    pub time_zone: Tz,
    /// Load the demo data set on first start (development only).
    pub load_demo_data: bool,
    pub limits: Limits,
    pub login_throttle: LoginThrottle,
    /// Registrations per client address.
    pub register_throttle: LoginThrottle,
    pub log_format: LogFormat,
    /// The legal time limits (the evaluation window is configurable).
    pub rules: Rules,
    /// Weekday public holidays and worked weekend days, for working-day periods.
    pub holidays: BTreeSet<NaiveDate>,
    pub working_weekends: BTreeSet<NaiveDate>,
    /// How long DataLoaders wait to batch keys.
    pub loader_delay: Duration,
    /// How often the deadline sweep runs; `None` (`SWEEP_INTERVAL_SECS=0`) turns it off.
    pub sweep_interval: Option<Duration>,
    /// How often this server looks for webhooks to deliver; `None` (`WEBHOOK_INTERVAL_MS=0`) leaves delivery to
    /// the other servers.
    pub webhook_interval: Option<Duration>,
    /// Networks webhooks may be posted to besides the public internet (`WEBHOOK_ALLOWED_NETWORKS`, comma-separated
    /// `address/prefix`): an integrator's backend on the servers' private network. None in production by default;
    /// in development the machine itself (`127.0.0.0/8`, `::1`), where a receiver is tried out.
    pub webhook_networks: Vec<crate::domain::webhook::Network>,
    /// The keys webhooks' signing secrets are sealed with in the database (`WEBHOOK_SECRETS_KEY`, and
    /// `WEBHOOK_SECRETS_OLD_KEYS` after a change of it).
    pub webhook_secret_keys: crate::domain::sealing::SealingKeys,
}

/// An S3-compatible bucket for attached files.
#[derive(Clone)]
pub struct S3Store {
    pub bucket: String,
    /// The store's address (`http://minio:9000`); AWS's own when unset.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Never prints the secret.
impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store").field("bucket", &self.bucket).field("endpoint", &self.endpoint).finish()
    }
}

impl Settings {
    /// What an operator should hear at the start of a production server: settings that leave it more open than a
    /// production service should be. Each names the setting that closes it.
    pub fn production_warnings(&self) -> Vec<String> {
        if self.env != AppEnv::Production {
            return Vec::new();
        }
        let mut warnings = Vec::new();
        if self.metrics_token.is_none() {
            warnings.push(
                "METRICS_TOKEN is not set: /metrics answers anyone who reaches this server (set METRICS_TOKEN, and \
                 give scrapers the token)"
                    .to_owned(),
            );
        }
        if self.limits.introspection && self.trusted_documents.is_none() {
            warnings.push(
                "introspection is on: anyone may read the whole schema (set INTROSPECTION=off; clients generate \
                 their types from schema.graphql)"
                    .to_owned(),
            );
        }
        if self.files_dir.is_none() && self.files_s3.is_none() {
            warnings.push("neither FILES_DIR nor FILES_S3_BUCKET is set: attached files go under /var/tmp".to_owned());
        }
        warnings
    }

    pub fn calendar(&self) -> WorkCalendar {
        WorkCalendar {
            tz: self.time_zone,
            holidays: self.holidays.clone(),
            working_weekends: self.working_weekends.clone(),
        }
    }
}

#[derive(Clone)]
pub struct JwtSettings {
    pub secret: Vec<u8>,
    /// The secret before the last rotation, still accepted for verification (`JWT_PREVIOUS_SECRET`).
    pub previous_secret: Option<Vec<u8>>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// Settings show up in panics and logs: their secrets never do.
impl std::fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSettings")
            .field("secret", &"<redacted>")
            .field("previous_secret", &self.previous_secret.as_ref().map(|_| "<redacted>"))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish()
    }
}

/// The keys query codes (查询码) are hashed with: the current one, which new codes use, and earlier ones, which
/// still verify the codes printed on letters before a rotation. Key 0 is the access tokens' secret, which hashed
/// every code written before codes had keys of their own.
#[derive(Clone)]
pub struct QueryCodeKeys {
    current: u8,
    keys: BTreeMap<u8, Vec<u8>>,
}

impl std::fmt::Debug for QueryCodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryCodeKeys").field("current", &self.current).field("ids", &self.keys.keys()).finish()
    }
}

impl QueryCodeKeys {
    /// The key new codes are hashed with, and its id.
    pub fn current(&self) -> (u8, &[u8]) {
        (self.current, &self.keys[&self.current])
    }

    /// The key with `id`, if this server still knows it.
    pub fn get(&self, id: u8) -> Option<&[u8]> {
        self.keys.get(&id).map(Vec::as_slice)
    }
}

/// Limits that keep abusive queries from tying up the server (README: "Query limits").
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_body_bytes: usize,
    /// The query text (the document), refused before parsing; variables may use the rest of the body.
    pub max_query_bytes: usize,
    /// Elements of any one list in the variables, refused before parsing.
    pub max_list_items: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_page_size: usize,
    /// Whether documents may read the schema (`__schema`, `__type`): `INTROSPECTION`, on by default; `off` for a
    /// production server whose clients generate their types from `schema.graphql`.
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_query_bytes: 64 * 1024,
            max_list_items: 1000,
            max_depth: 10,
            max_complexity: 5000,
            max_aliases: 15,
            max_page_size: 100,
            introspection: true,
        }
    }
}

/// Failed-login throttling per account and per client address.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    /// Failures within `window` after which each further attempt is slowed down.
    pub slow_after: u32,
    /// Failures within `window` after which attempts are refused with `RATE_LIMITED` for `lockout`.
    pub refuse_after: u32,
    pub window: Duration,
    pub lockout: Duration,
    /// Extra delay per failure beyond `slow_after`, capped at one second.
    pub delay_step: Duration,
}

impl LoginThrottle {
    /// At most `per_hour` new accounts per client address and hour (`REGISTRATIONS_PER_HOUR`), then refused for the
    /// rest of the hour: every registration costs a password hash and a row.
    pub fn registrations(per_hour: u32) -> LoginThrottle {
        LoginThrottle {
            slow_after: per_hour,
            refuse_after: per_hour,
            window: Duration::from_secs(3600),
            lockout: Duration::from_secs(3600),
            delay_step: Duration::ZERO,
        }
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            slow_after: 3,
            refuse_after: 8,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(15 * 60),
            delay_step: Duration::from_millis(200),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

mod environment;
