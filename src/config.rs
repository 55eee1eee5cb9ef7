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

/// The secret used when development mode is given none. Never accepted in production.
const DEV_JWT_SECRET: &str = "development-only-secret-do-not-use-in-production";
/// The query-code secret used when development mode is given none. Never accepted in production.
const DEV_QUERY_CODE_SECRET: &str = "development-only-query-code-secret-not-for-production";

/// A production secret: at least 32 bytes and about 128 bits of entropy by the frequencies of its bytes, no
/// repetition of a shorter run, and none of the development secrets. Real secrets come from a generator
/// (`openssl rand -base64 48`); this refuses the typed-in ones (`aaaa…`, `changeme…` repeated, `0123…` twice).
fn strong_secret(secret: &str, name: &str) -> anyhow::Result<()> {
    let bytes = secret.as_bytes();
    if bytes.len() < 32 {
        anyhow::bail!("{name} must be at least 32 bytes long (e.g. `openssl rand -base64 48`)");
    }
    if secret == DEV_JWT_SECRET || secret == DEV_QUERY_CODE_SECRET {
        anyhow::bail!("{name} must not be a development secret");
    }
    let repeated = (1..=bytes.len() / 2).any(|period| {
        bytes.len().is_multiple_of(period) && bytes.chunks(period).all(|chunk| chunk == &bytes[..period])
    });
    let mut counts = [0usize; 256];
    bytes.iter().for_each(|b| counts[usize::from(*b)] += 1);
    let n = bytes.len() as f64;
    let bits: f64 = counts.iter().filter(|c| **c > 0).map(|c| -(*c as f64) * (*c as f64 / n).log2()).sum();
    if repeated || bits < 128.0 {
        anyhow::bail!("{name} looks typed in, not random (about {bits:.0} bits); use `openssl rand -base64 48`");
    }
    Ok(())
}

/// `QUERY_CODE_SECRET` (key `QUERY_CODE_KEY_ID`, 1 by default) and the earlier keys of `QUERY_CODE_OLD_KEYS`
/// (`id:secret,id:secret`), over key 0, the access tokens' secret.
fn query_code_keys(
    get: &impl Fn(&str) -> Option<String>,
    env: AppEnv,
    jwt_secret: &[u8],
) -> anyhow::Result<QueryCodeKeys> {
    let secret = get("QUERY_CODE_SECRET");
    if env == AppEnv::Production {
        match &secret {
            None => anyhow::bail!("APP_ENV=production requires QUERY_CODE_SECRET"),
            Some(s) if s.as_bytes() == jwt_secret => {
                anyhow::bail!("QUERY_CODE_SECRET must differ from JWT_SECRET")
            }
            Some(s) => strong_secret(s, "QUERY_CODE_SECRET")?,
        }
    }
    let current: u8 = parse_or(get("QUERY_CODE_KEY_ID"), "QUERY_CODE_KEY_ID", 1)?;
    if current < 1 {
        anyhow::bail!("QUERY_CODE_KEY_ID must be 1 or more (0 is the access tokens' secret of old codes)");
    }
    let mut keys = BTreeMap::from([(0, jwt_secret.to_vec())]);
    for entry in get("QUERY_CODE_OLD_KEYS").iter().flat_map(|v| v.split(',')).map(str::trim).filter(|e| !e.is_empty()) {
        let parsed = entry.split_once(':').and_then(|(id, key)| Some((id.trim().parse::<u8>().ok()?, key.trim())));
        match parsed {
            Some((id, key)) if id >= 1 && id != current && !key.is_empty() => {
                keys.insert(id, key.as_bytes().to_vec());
            }
            _ => anyhow::bail!(
                "QUERY_CODE_OLD_KEYS holds `{entry}`: each entry is `id:secret`, ids 1 or more, not the current one"
            ),
        }
    }
    keys.insert(current, secret.unwrap_or_else(|| DEV_QUERY_CODE_SECRET.to_owned()).into_bytes());
    Ok(QueryCodeKeys { current, keys })
}

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> anyhow::Result<Settings> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let env = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => anyhow::bail!("APP_ENV must be `development` or `production`, not `{other}`"),
        };
        let host = match get("HOST") {
            Some(h) => h.parse().map_err(|_| anyhow::anyhow!("HOST must be an IP address, not `{h}`"))?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let port = parse_or(get("PORT"), "PORT", 8080u16)?;
        let database_url = get("DATABASE_URL");
        let secret = get("JWT_SECRET");
        if env == AppEnv::Production {
            if database_url.is_none() {
                anyhow::bail!("APP_ENV=production requires DATABASE_URL; the embedded database is for development");
            }
            match &secret {
                None => anyhow::bail!("APP_ENV=production requires JWT_SECRET"),
                Some(s) => strong_secret(s, "JWT_SECRET")?,
            }
            if let Some(previous) = get("JWT_PREVIOUS_SECRET") {
                strong_secret(&previous, "JWT_PREVIOUS_SECRET")?;
            }
        }
        let time_zone: Tz = match get("TIME_ZONE") {
            Some(tz) => tz.parse().map_err(|_| anyhow::anyhow!("TIME_ZONE `{tz}` is not an IANA time zone"))?,
            None => chrono_tz::Asia::Shanghai,
        };
        let jwt_secret = secret.unwrap_or_else(|| DEV_JWT_SECRET.to_owned());
        let load_demo_data = env == AppEnv::Development && parse_or(get("DEMO_DATA"), "DEMO_DATA", true)?;
        let log_format = match get("LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            None | Some("pretty") | Some("text") => {
                if env == AppEnv::Production {
                    LogFormat::Json
                } else {
                    LogFormat::Pretty
                }
            }
            Some(other) => anyhow::bail!("LOG_FORMAT must be `json` or `pretty`, not `{other}`"),
        };
        Ok(Settings {
            env,
            host,
            port,
            database_url,
            migration_database_url: get("MIGRATION_DATABASE_URL"),
            database_read_url: get("DATABASE_READ_URL"),
            trusted_proxies: get("TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().map_err(|_| anyhow::anyhow!("TRUSTED_PROXIES holds `{a}`, which is not an IP address"))
                })
                .collect::<anyhow::Result<_>>()?,
            metrics_token: get("METRICS_TOKEN"),
            trusted_documents: get("TRUSTED_DOCUMENTS").map(std::path::PathBuf::from),
            files_dir: get("FILES_DIR").map(std::path::PathBuf::from),
            files_s3: match get("FILES_S3_BUCKET") {
                None => None,
                Some(bucket) => Some(S3Store {
                    bucket,
                    endpoint: get("FILES_S3_ENDPOINT"),
                    region: get("FILES_S3_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
                    access_key_id: get("FILES_S3_ACCESS_KEY_ID")
                        .ok_or_else(|| anyhow::anyhow!("FILES_S3_BUCKET needs FILES_S3_ACCESS_KEY_ID"))?,
                    secret_access_key: get("FILES_S3_SECRET_ACCESS_KEY")
                        .ok_or_else(|| anyhow::anyhow!("FILES_S3_BUCKET needs FILES_S3_SECRET_ACCESS_KEY"))?,
                }),
            },
            cors_origins: get("CORS_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .map(|o| {
                    let host = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
                    if host.is_some_and(|h| !h.is_empty() && !h.contains('/')) {
                        Ok(o)
                    } else {
                        Err(anyhow::anyhow!("CORS_ORIGINS holds `{o}`, which is no origin like https://portal.example"))
                    }
                })
                .collect::<anyhow::Result<_>>()?,
            http_workers: match parse_or(
                get("HTTP_WORKERS"),
                "HTTP_WORKERS",
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )? {
                0 => anyhow::bail!("HTTP_WORKERS must be at least 1"),
                n => n,
            },
            db_pool_size: match parse_or(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 16u32)? {
                // The live listener holds one connection for good: with one in all, no request would ever get one.
                n if n < 2 => {
                    anyhow::bail!("DB_POOL_SIZE must be at least 2 (one connection listens for live updates)")
                }
                n => n,
            },
            db_pool_wait: Duration::from_millis(parse_or(
                get("DB_POOL_WAIT_MS"),
                "DB_POOL_WAIT_MS",
                DEFAULT_POOL_WAIT.as_millis() as u64,
            )?),
            query_codes: query_code_keys(&get, env, jwt_secret.as_bytes())?,
            jwt: JwtSettings {
                secret: jwt_secret.into_bytes(),
                previous_secret: get("JWT_PREVIOUS_SECRET").map(String::into_bytes),
                issuer: get("JWT_ISSUER").unwrap_or_else(|| "petition-api".to_owned()),
                audience: get("JWT_AUDIENCE").unwrap_or_else(|| "petition-clients".to_owned()),
                access_ttl: Duration::from_secs(parse_or(get("ACCESS_TOKEN_TTL_SECS"), "ACCESS_TOKEN_TTL_SECS", 900)?),
                refresh_ttl: Duration::from_secs(parse_or(
                    get("REFRESH_TOKEN_TTL_SECS"),
                    "REFRESH_TOKEN_TTL_SECS",
                    30 * 24 * 3600,
                )?),
            },
            time_zone,
            load_demo_data,
            limits: Limits {
                introspection: match get("INTROSPECTION").as_deref() {
                    None | Some("on") | Some("true") => true,
                    Some("off") | Some("false") => false,
                    Some(other) => anyhow::bail!("INTROSPECTION must be `on` or `off`, not `{other}`"),
                },
                ..Limits::default()
            },
            login_throttle: LoginThrottle::default(),
            register_throttle: LoginThrottle::registrations(
                match parse_or(get("REGISTRATIONS_PER_HOUR"), "REGISTRATIONS_PER_HOUR", 10u32)? {
                    0 => anyhow::bail!("REGISTRATIONS_PER_HOUR must be at least 1"),
                    n => n,
                },
            ),
            log_format,
            rules: Rules {
                evaluation_days: parse_or(get("EVALUATION_WINDOW_DAYS"), "EVALUATION_WINDOW_DAYS", 30)?,
                ..Rules::default()
            },
            holidays: parse_dates(get("HOLIDAYS"), "HOLIDAYS")?,
            working_weekends: parse_dates(get("WORKING_WEEKENDS"), "WORKING_WEEKENDS")?,
            sweep_interval: match parse_or(get("SWEEP_INTERVAL_SECS"), "SWEEP_INTERVAL_SECS", 60u64)? {
                0 => None,
                secs => Some(Duration::from_secs(secs)),
            },
            loader_delay: match get("DATALOADER_DELAY_US") {
                Some(v) => Duration::from_micros(parse_or(Some(v), "DATALOADER_DELAY_US", 0)?),
                None => DEFAULT_BATCH_DELAY,
            },
        })
    }
}

/// A comma-separated list of ISO dates.
fn parse_dates(value: Option<String>, name: &str) -> anyhow::Result<BTreeSet<NaiveDate>> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().map_err(|_| anyhow::anyhow!("{name} holds `{d}`, which is not a YYYY-MM-DD date")))
        .collect()
}

fn parse_or<T: std::str::FromStr>(value: Option<String>, name: &str, default: T) -> anyhow::Result<T> {
    match value {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| anyhow::anyhow!("{name} has an invalid value `{v}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn cors_origins_are_origins() {
        let s = settings(&[("CORS_ORIGINS", "https://portal.example.gov.cn/, http://localhost:5173")]).unwrap();
        assert_eq!(s.cors_origins, vec!["https://portal.example.gov.cn", "http://localhost:5173"]);
        for bad in ["*", "portal.example", "https://portal.example/path", "https://"] {
            assert!(settings(&[("CORS_ORIGINS", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn development_defaults() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.env, AppEnv::Development);
        assert_eq!(s.port, 8080);
        assert_eq!(s.host.to_string(), "127.0.0.1");
        assert!(s.database_url.is_none());
        assert!(s.cors_origins.is_empty(), "no origin is allowed unless configured");
        assert!(s.load_demo_data);
        assert_eq!(s.time_zone, chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn production_requires_database_and_secret() {
        assert!(settings(&[("APP_ENV", "production")]).is_err());
        assert!(settings(&[("APP_ENV", "production"), ("DATABASE_URL", "postgres://x/y")]).is_err());
        assert!(settings(&[("APP_ENV", "production"), ("DATABASE_URL", "postgres://x/y"), ("JWT_SECRET", "short")])
            .is_err());
        let s = settings(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x/y"),
            ("JWT_SECRET", "kX9vQ2mLr7Tz4Wc8Hn1Yb6Pd3Fs0Ja5Ge2Uq"),
            ("QUERY_CODE_SECRET", "Zt4Rk8Wn2Mb6Qy0Lc3Vx7Hd1Js5Fg9Pa2Ne"),
            ("DEMO_DATA", "true"),
        ])
        .unwrap();
        assert!(!s.load_demo_data, "production never loads demo data");
        let production = |query_code_secret: &str| {
            settings(&[
                ("APP_ENV", "production"),
                ("DATABASE_URL", "postgres://x/y"),
                ("JWT_SECRET", "kX9vQ2mLr7Tz4Wc8Hn1Yb6Pd3Fs0Ja5Ge2Uq"),
                ("QUERY_CODE_SECRET", query_code_secret),
            ])
        };
        assert!(production("short").is_err());
        assert!(production("kX9vQ2mLr7Tz4Wc8Hn1Yb6Pd3Fs0Ja5Ge2Uq").is_err(), "not the token secret");
        assert!(production("Zt4Rk8Wn2Mb6Qy0Lc3Vx7Hd1Js5Fg9Pa2Ne").is_ok());
        for typed_in in ["a".repeat(40), "changeme".repeat(5), "0123456789abcdef".repeat(2)] {
            let err = production(&typed_in).unwrap_err().to_string();
            assert!(err.contains("QUERY_CODE_SECRET"), "{typed_in}: {err}");
        }
        let err = settings(&[("QUERY_CODE_OLD_KEYS", "one:secret")]).unwrap_err().to_string();
        assert!(err.contains("QUERY_CODE_OLD_KEYS"), "{err}");
    }

    #[test]
    fn production_warns_of_what_it_leaves_open() {
        let production = [
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x/y"),
            ("JWT_SECRET", "kX9vQ2mLr7Tz4Wc8Hn1Yb6Pd3Fs0Ja5Ge2Uq"),
            ("QUERY_CODE_SECRET", "Zt4Rk8Wn2Mb6Qy0Lc3Vx7Hd1Js5Fg9Pa2Ne"),
        ];
        let warnings = settings(&production).unwrap().production_warnings();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("METRICS_TOKEN") && warnings[1].contains("INTROSPECTION=off"));
        let closed = [
            &production[..],
            &[("METRICS_TOKEN", "t"), ("INTROSPECTION", "off"), ("FILES_DIR", "/var/lib/petition-api/files")],
        ]
        .concat();
        assert_eq!(settings(&closed).unwrap().production_warnings(), Vec::<String>::new());
        assert!(settings(&[]).unwrap().production_warnings().is_empty(), "development says nothing");
        assert!(settings(&[("INTROSPECTION", "maybe")]).unwrap_err().to_string().contains("INTROSPECTION"));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s =
            settings(&[("JWT_SECRET", "the-token-secret-xyz"), ("QUERY_CODE_SECRET", "the-code-secret-xyz")]).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("secret-xyz") && !shown.contains("116, 104, 101"), "{shown}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = settings(&[("PORT", "eighty")]).unwrap_err().to_string();
        assert!(err.contains("PORT"), "{err}");
        let err = settings(&[("HTTP_WORKERS", "0")]).unwrap_err().to_string();
        assert!(err.contains("HTTP_WORKERS"), "{err}");
        let err = settings(&[("DB_POOL_SIZE", "1")]).unwrap_err().to_string();
        assert!(err.contains("DB_POOL_SIZE"), "a pool of one would leave no connection for requests: {err}");
        let err = settings(&[("DB_POOL_WAIT_MS", "soon")]).unwrap_err().to_string();
        assert!(err.contains("DB_POOL_WAIT_MS"), "{err}");
        let err = settings(&[("TIME_ZONE", "Mars/Olympus")]).unwrap_err().to_string();
        assert!(err.contains("TIME_ZONE"), "{err}");
        let err = settings(&[("HOLIDAYS", "2024-10-01,tomorrow")]).unwrap_err().to_string();
        assert!(err.contains("HOLIDAYS"), "{err}");
        let s = settings(&[("HOLIDAYS", "2024-10-01, 2024-10-02"), ("EVALUATION_WINDOW_DAYS", "15")]).unwrap();
        assert_eq!(s.holidays.len(), 2);
        assert_eq!(s.rules.evaluation_days, 15);
    }
}
