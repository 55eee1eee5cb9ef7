//! Settings from the environment: each variable read, checked, and refused with its name when it is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::*;
use crate::domain::sealing::SealingKeys;

/// The secret used when development mode is given none. Never accepted in production.
const DEV_JWT_SECRET: &str = "development-only-secret-do-not-use-in-production";
/// The query-code secret used when development mode is given none. Never accepted in production.
const DEV_QUERY_CODE_SECRET: &str = "development-only-query-code-secret-not-for-production";
/// The key webhook secrets are sealed with when development mode is given none. Never accepted in production.
const DEV_WEBHOOK_SECRETS_KEY: &str = "development-only-webhook-secrets-key-not-for-production";

/// A production secret: at least 32 bytes and about 128 bits of entropy by the frequencies of its bytes, no
/// repetition of a shorter run, and none of the development secrets. Real secrets come from a generator
/// (`openssl rand -base64 48`); this refuses the typed-in ones (`aaaa…`, `changeme…` repeated, `0123…` twice).
fn strong_secret(secret: &str, name: &str) -> anyhow::Result<()> {
    let bytes = secret.as_bytes();
    if bytes.len() < 32 {
        anyhow::bail!("{name} must be at least 32 bytes long (e.g. `openssl rand -base64 48`)");
    }
    if [DEV_JWT_SECRET, DEV_QUERY_CODE_SECRET, DEV_WEBHOOK_SECRETS_KEY].contains(&secret) {
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

/// What reads the environment: a variable's value, `None` when unset or blank.
trait Lookup: Fn(&str) -> Option<String> {}
impl<F: Fn(&str) -> Option<String>> Lookup for F {}

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> anyhow::Result<Settings> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let env = app_env(&get)?;
        let host = match get("HOST") {
            Some(h) => h.parse().map_err(|_| anyhow::anyhow!("HOST must be an IP address, not `{h}`"))?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let database_url = get("DATABASE_URL");
        let jwt_secret = production_secrets(&get, env, database_url.is_some())?;
        let time_zone: Tz = match get("TIME_ZONE") {
            Some(tz) => tz.parse().map_err(|_| anyhow::anyhow!("TIME_ZONE `{tz}` is not an IANA time zone"))?,
            None => chrono_tz::Asia::Shanghai,
        };
        let (http_workers, db_pool_size, db_pool_wait) = capacity(&get)?;
        Ok(Settings {
            env,
            host,
            port: parse_or(get("PORT"), "PORT", 8080u16)?,
            database_url,
            migration_database_url: get("MIGRATION_DATABASE_URL"),
            database_read_url: get("DATABASE_READ_URL"),
            trusted_proxies: listed(&get, "TRUSTED_PROXIES", |a| {
                a.parse().map_err(|_| anyhow::anyhow!("TRUSTED_PROXIES holds `{a}`, which is not an IP address"))
            })?,
            metrics_token: get("METRICS_TOKEN"),
            trusted_documents: get("TRUSTED_DOCUMENTS").map(std::path::PathBuf::from),
            files_dir: get("FILES_DIR").map(std::path::PathBuf::from),
            files_s3: files_s3(&get)?,
            cors_origins: listed(&get, "CORS_ORIGINS", origin)?,
            http_workers,
            db_pool_size,
            db_pool_wait,
            query_codes: query_code_keys(&get, env, jwt_secret.as_bytes())?,
            webhook_secret_keys: webhook_secret_keys(&get, env, &jwt_secret)?,
            jwt: jwt(&get, jwt_secret)?,
            time_zone,
            load_demo_data: env == AppEnv::Development && parse_or(get("DEMO_DATA"), "DEMO_DATA", true)?,
            limits: Limits { introspection: switch(&get, "INTROSPECTION", true)?, ..Limits::default() },
            login_throttle: LoginThrottle::default(),
            register_throttle: LoginThrottle::registrations(at_least(&get, "REGISTRATIONS_PER_HOUR", 10u32, 1)?),
            log_format: log_format(&get, env)?,
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
            webhook_interval: match parse_or(get("WEBHOOK_INTERVAL_MS"), "WEBHOOK_INTERVAL_MS", 1_000u64)? {
                0 => None,
                ms => Some(Duration::from_millis(ms)),
            },
            webhook_networks: webhook_networks(&get, env)?,
            loader_delay: match get("DATALOADER_DELAY_US") {
                Some(v) => Duration::from_micros(parse_or(Some(v), "DATALOADER_DELAY_US", 0)?),
                None => DEFAULT_BATCH_DELAY,
            },
        })
    }
}

fn app_env(get: &impl Lookup) -> anyhow::Result<AppEnv> {
    Ok(match get("APP_ENV").as_deref() {
        None | Some("development") | Some("dev") => AppEnv::Development,
        Some("production") | Some("prod") => AppEnv::Production,
        Some(other) => anyhow::bail!("APP_ENV must be `development` or `production`, not `{other}`"),
    })
}

/// The access tokens' secret; in production, what must be given and strong (a database of its own too).
fn production_secrets(get: &impl Lookup, env: AppEnv, has_database: bool) -> anyhow::Result<String> {
    let secret = get("JWT_SECRET");
    if env == AppEnv::Production {
        if !has_database {
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
    Ok(secret.unwrap_or_else(|| DEV_JWT_SECRET.to_owned()))
}

fn jwt(get: &impl Lookup, secret: String) -> anyhow::Result<JwtSettings> {
    Ok(JwtSettings {
        secret: secret.into_bytes(),
        previous_secret: get("JWT_PREVIOUS_SECRET").map(String::into_bytes),
        issuer: get("JWT_ISSUER").unwrap_or_else(|| "petition-api".to_owned()),
        audience: get("JWT_AUDIENCE").unwrap_or_else(|| "petition-clients".to_owned()),
        access_ttl: Duration::from_secs(parse_or(get("ACCESS_TOKEN_TTL_SECS"), "ACCESS_TOKEN_TTL_SECS", 900)?),
        refresh_ttl: Duration::from_secs(parse_or(
            get("REFRESH_TOKEN_TTL_SECS"),
            "REFRESH_TOKEN_TTL_SECS",
            30 * 24 * 3600,
        )?),
    })
}

/// HTTP workers, the pool's size, and how long a request waits for a connection.
fn capacity(get: &impl Lookup) -> anyhow::Result<(usize, u32, Duration)> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = at_least(get, "HTTP_WORKERS", cores, 1)?;
    // The live listener holds one connection for good: with one in all, no request would ever get one.
    let pool = match parse_or(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 16u32)? {
        n if n < 2 => anyhow::bail!("DB_POOL_SIZE must be at least 2 (one connection listens for live updates)"),
        n => n,
    };
    let wait = parse_or(get("DB_POOL_WAIT_MS"), "DB_POOL_WAIT_MS", DEFAULT_POOL_WAIT.as_millis() as u64)?;
    Ok((workers, pool, Duration::from_millis(wait)))
}

fn files_s3(get: &impl Lookup) -> anyhow::Result<Option<S3Store>> {
    let Some(bucket) = get("FILES_S3_BUCKET") else { return Ok(None) };
    let needed = |name: &str| get(name).ok_or_else(|| anyhow::anyhow!("FILES_S3_BUCKET needs {name}"));
    Ok(Some(S3Store {
        bucket,
        endpoint: get("FILES_S3_ENDPOINT"),
        region: get("FILES_S3_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
        access_key_id: needed("FILES_S3_ACCESS_KEY_ID")?,
        secret_access_key: needed("FILES_S3_SECRET_ACCESS_KEY")?,
    }))
}

fn log_format(get: &impl Lookup, env: AppEnv) -> anyhow::Result<LogFormat> {
    Ok(match get("LOG_FORMAT").as_deref() {
        Some("json") => LogFormat::Json,
        None | Some("pretty") | Some("text") if env == AppEnv::Production => LogFormat::Json,
        None | Some("pretty") | Some("text") => LogFormat::Pretty,
        Some(other) => anyhow::bail!("LOG_FORMAT must be `json` or `pretty`, not `{other}`"),
    })
}

/// A web origin as a page's `Origin` header gives it: `https://host[:port]`, without a path.
fn origin(value: &str) -> anyhow::Result<String> {
    let origin = value.trim_end_matches('/');
    let host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    if host.is_some_and(|h| !h.is_empty() && !h.contains('/')) {
        Ok(origin.to_owned())
    } else {
        Err(anyhow::anyhow!("CORS_ORIGINS holds `{origin}`, which is no origin like https://portal.example"))
    }
}

/// `WEBHOOK_SECRETS_KEY` (in production: given, strong, and no other setting's secret) and the earlier keys of
/// `WEBHOOK_SECRETS_OLD_KEYS` (comma-separated), which still open the secrets they sealed until the start-up seals
/// those again under the current key.
fn webhook_secret_keys(get: &impl Lookup, env: AppEnv, jwt_secret: &str) -> anyhow::Result<SealingKeys> {
    let (name, old) = ("WEBHOOK_SECRETS_KEY", "WEBHOOK_SECRETS_OLD_KEYS");
    let key = get(name);
    if env == AppEnv::Production {
        match &key {
            None => anyhow::bail!("APP_ENV=production requires {name} (`openssl rand -base64 48`)"),
            Some(k) if *k == jwt_secret || get("QUERY_CODE_SECRET").as_ref() == Some(k) => {
                anyhow::bail!("{name} must differ from JWT_SECRET and QUERY_CODE_SECRET")
            }
            Some(k) => strong_secret(k, name)?,
        }
    }
    let key = key.unwrap_or_else(|| DEV_WEBHOOK_SECRETS_KEY.to_owned());
    let earlier = listed(get, old, |k| {
        if k == key {
            anyhow::bail!("{old} holds the current {name}: list only keys used before it")
        }
        Ok(k.as_bytes().to_vec())
    })?;
    Ok(SealingKeys::new(key.as_bytes(), &earlier))
}

/// `WEBHOOK_ALLOWED_NETWORKS`, or the machine itself in development.
fn webhook_networks(get: &impl Lookup, env: AppEnv) -> anyhow::Result<Vec<crate::domain::webhook::Network>> {
    use crate::domain::webhook::Network;
    let name = "WEBHOOK_ALLOWED_NETWORKS";
    if get(name).is_none() && env == AppEnv::Development {
        return Ok(["127.0.0.0/8", "::1/128"].iter().filter_map(|n| Network::parse(n)).collect());
    }
    listed(get, name, |n| {
        Network::parse(n).ok_or_else(|| anyhow::anyhow!("{name} holds `{n}`, which is no network like 10.20.0.0/16"))
    })
}

/// A comma-separated list, each entry parsed by `parse`.
fn listed<T>(get: &impl Lookup, name: &str, parse: impl Fn(&str) -> anyhow::Result<T>) -> anyhow::Result<Vec<T>> {
    get(name).unwrap_or_default().split(',').map(str::trim).filter(|a| !a.is_empty()).map(parse).collect()
}

/// `on`/`true` or `off`/`false`.
fn switch(get: &impl Lookup, name: &str, default: bool) -> anyhow::Result<bool> {
    Ok(match get(name).as_deref() {
        None => default,
        Some("on") | Some("true") => true,
        Some("off") | Some("false") => false,
        Some(other) => anyhow::bail!("{name} must be `on` or `off`, not `{other}`"),
    })
}

/// A number no smaller than `least`.
fn at_least<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    get: &impl Lookup,
    name: &str,
    default: T,
    least: T,
) -> anyhow::Result<T> {
    let n = parse_or(get(name), name, default)?;
    if n < least {
        anyhow::bail!("{name} must be at least {least}");
    }
    Ok(n)
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
            ("WEBHOOK_SECRETS_KEY", WEBHOOK_KEY),
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
                ("WEBHOOK_SECRETS_KEY", WEBHOOK_KEY),
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

    const WEBHOOK_KEY: &str = "Wq3Hn7Ls1Dv5Kb9Xc2Rm6Tf0Gz4Jp8Ya3Ue";

    #[test]
    fn production_requires_its_own_strong_key_for_webhook_secrets() {
        let production = |key: Option<&str>| {
            let mut env = vec![
                ("APP_ENV", "production"),
                ("DATABASE_URL", "postgres://x/y"),
                ("JWT_SECRET", "kX9vQ2mLr7Tz4Wc8Hn1Yb6Pd3Fs0Ja5Ge2Uq"),
                ("QUERY_CODE_SECRET", "Zt4Rk8Wn2Mb6Qy0Lc3Vx7Hd1Js5Fg9Pa2Ne"),
            ];
            env.extend(key.map(|k| ("WEBHOOK_SECRETS_KEY", k)));
            settings(&env).map(|_| ()).map_err(|e| e.to_string())
        };
        assert!(production(None).unwrap_err().contains("WEBHOOK_SECRETS_KEY"));
        assert!(production(Some("short")).unwrap_err().contains("WEBHOOK_SECRETS_KEY"));
        assert!(production(Some(&"changeme".repeat(5))).unwrap_err().contains("WEBHOOK_SECRETS_KEY"));
        for other in ["kX9vQ2mLr7Tz4Wc8Hn1Yb6Pd3Fs0Ja5Ge2Uq", "Zt4Rk8Wn2Mb6Qy0Lc3Vx7Hd1Js5Fg9Pa2Ne"] {
            assert!(production(Some(other)).unwrap_err().contains("must differ"), "another setting's secret");
        }
        assert!(production(Some(DEV_WEBHOOK_SECRETS_KEY)).is_err(), "the development key");
        assert_eq!(production(Some(WEBHOOK_KEY)), Ok(()));
        // An old key that is the current one is a mistake worth naming.
        let err = settings(&[("WEBHOOK_SECRETS_KEY", WEBHOOK_KEY), ("WEBHOOK_SECRETS_OLD_KEYS", WEBHOOK_KEY)]);
        assert!(err.unwrap_err().to_string().contains("WEBHOOK_SECRETS_OLD_KEYS"));
        assert!(settings(&[("WEBHOOK_SECRETS_OLD_KEYS", "an old key, another")]).is_ok());
    }

    #[test]
    fn production_warns_of_what_it_leaves_open() {
        let production = [
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x/y"),
            ("JWT_SECRET", "kX9vQ2mLr7Tz4Wc8Hn1Yb6Pd3Fs0Ja5Ge2Uq"),
            ("QUERY_CODE_SECRET", "Zt4Rk8Wn2Mb6Qy0Lc3Vx7Hd1Js5Fg9Pa2Ne"),
            ("WEBHOOK_SECRETS_KEY", WEBHOOK_KEY),
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
        let s = settings(&[
            ("JWT_SECRET", "the-token-secret-xyz"),
            ("QUERY_CODE_SECRET", "the-code-secret-xyz"),
            ("WEBHOOK_SECRETS_KEY", "the-sealing-secret-xyz"),
        ])
        .unwrap();
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
