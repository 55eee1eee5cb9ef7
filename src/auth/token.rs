//! Access tokens (short-lived JWTs, HS256) and refresh tokens (opaque, stored as SHA-256 hashes).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::JwtSettings;
use crate::config::QueryCodeKeys;
use crate::domain::ids::AccountId;
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, Message};

/// The claims of an access token: who, which roles, which unit and jurisdiction, and the account's token version at
/// issue time (a password or role change bumps the version and so invalidates older tokens).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: Uuid,
    pub roles: Vec<Role>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<UnitId>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub jur: Option<String>,
    pub ver: i32,
    /// The session (refresh-token family) the token belongs to: signing out, or a stolen refresh token coming back,
    /// ends the session and with it every access token it issued. Absent in tokens from before sessions had ids.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sid: Option<Uuid>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    /// Not valid before: the issue time (a token minted ahead of time by whoever holds a key is refused until then).
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}

/// Whom an access token is for, and in which session.
pub struct Subject<'a> {
    pub account_id: AccountId,
    pub roles: &'a [Role],
    pub unit: Option<UnitId>,
    pub jurisdiction: Option<String>,
    /// The account's token version now.
    pub version: i32,
    /// The refresh-token family the token is issued in.
    pub session: Uuid,
}

pub struct TokenKeys {
    /// Tokens whose signature and claims were checked already, so that the next request with the same token skips
    /// the HMAC and the JSON (an eighth of the server's CPU for a read by id); only expiry is checked again.
    verified: RwLock<HashMap<Box<str>, Arc<Claims>>>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The secret before the last rotation (`JWT_PREVIOUS_SECRET`): tokens it signed stay good until they expire.
    previous: Option<DecodingKey>,
    validation: Validation,
    settings: JwtSettings,
}

impl TokenKeys {
    pub fn new(settings: &JwtSettings) -> TokenKeys {
        // Only HS256 is accepted: `alg: none` and tokens of any other algorithm fail validation.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        TokenKeys {
            verified: RwLock::new(HashMap::new()),
            encoding: EncodingKey::from_secret(&settings.secret),
            decoding: DecodingKey::from_secret(&settings.secret),
            previous: settings.previous_secret.as_deref().map(DecodingKey::from_secret),
            validation,
            settings: settings.clone(),
        }
    }

    /// Signs an access token for `subject`; returns it with its expiry.
    pub fn issue(&self, subject: Subject<'_>, now: DateTime<Utc>) -> AppResult<(String, DateTime<Utc>)> {
        let expires = now + chrono::Duration::from_std(self.settings.access_ttl).map_err(AppError::internal)?;
        let claims = Claims {
            sub: subject.account_id.uuid(),
            roles: subject.roles.to_vec(),
            unit: subject.unit,
            jur: subject.jurisdiction,
            ver: subject.version,
            sid: Some(subject.session),
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires.timestamp(),
            jti: Uuid::new_v4(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(AppError::internal)?;
        Ok((token, expires))
    }

    /// Checks signature, algorithm, issuer, audience and expiry. Every failure is the same `UNAUTHENTICATED`.
    pub fn verify(&self, token: &str) -> AppResult<Arc<Claims>> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(claims) = self.verified.read().ok().and_then(|v| v.get(token).cloned()) {
            if unexpired(&claims, now, self.validation.leeway) {
                return Ok(claims);
            }
        }
        let mut verdict = decode::<Claims>(token, &self.decoding, &self.validation);
        if let (Err(e), Some(previous)) = (&verdict, &self.previous) {
            if *e.kind() == jsonwebtoken::errors::ErrorKind::InvalidSignature {
                verdict = decode::<Claims>(token, previous, &self.validation);
            }
        }
        let claims = Arc::new(verdict.map(|data| data.claims).map_err(|e| {
            tracing::debug!(error = %e, "access token rejected");
            AppError::unauthenticated(Message::InvalidAccessToken)
        })?);
        if let Ok(mut verified) = self.verified.write() {
            // Full: start over rather than keep an eviction order on the hot path; expired tokens go with the rest.
            if verified.len() >= VERIFIED_TOKENS {
                verified.clear();
            }
            verified.insert(token.into(), claims.clone());
        }
        Ok(claims)
    }

    pub fn refresh_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.refresh_ttl).unwrap_or(chrono::Duration::days(30))
    }
}

/// How many verified tokens are remembered (about half a KiB each): more than the staff and petitioners signed in
/// to one server within an access token's lifetime.
const VERIFIED_TOKENS: usize = 20_000;

/// Whether remembered claims are still good at `now` (seconds since the epoch): as `jsonwebtoken` judges expiry,
/// with the same leeway. The other checks (signature, issuer, audience, not-before) cannot change their verdict
/// with time once passed.
fn unexpired(claims: &Claims, now: u64, leeway: u64) -> bool {
    u64::try_from(claims.exp).is_ok_and(|exp| exp >= now.saturating_sub(leeway))
}

/// A fresh opaque refresh token (256 random bits, URL-safe) and the hash under which it is stored.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_opaque(&token);
    (token, hash)
}

/// SHA-256 of an opaque secret. Enough for high-entropy random tokens; never for passwords.
pub fn hash_opaque(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The stored form of a case's query code (查询码): the id of the key that hashed it, then the code's HMAC-SHA256
/// under that key (`QUERY_CODE_SECRET`), so that a copy of the database alone does not let anyone try all 31^8
/// codes offline, and a rotated key keeps the codes already printed on letters working. Codes stored before they had
/// keys of their own are the bare HMAC under key 0, the access tokens' secret.
pub fn stored_query_code(keys: &QueryCodeKeys, code: &str) -> Vec<u8> {
    let (id, key) = keys.current();
    let mut stored = vec![id];
    stored.extend(query_code_digest(key, code));
    stored
}

/// Whether `code` is the query code stored as `stored`. The comparison takes the same time wherever the two differ.
pub fn query_code_matches(keys: &QueryCodeKeys, stored: &[u8], code: &str) -> bool {
    const DIGEST_LEN: usize = 32;
    let (id, digest) = match stored.len() {
        DIGEST_LEN => (0, stored),
        n if n == DIGEST_LEN + 1 => (stored[0], &stored[1..]),
        _ => return false,
    };
    let Some(key) = keys.get(id) else {
        tracing::warn!(key = id, "a query code was hashed with a key this server does not know (QUERY_CODE_OLD_KEYS)");
        return false;
    };
    let computed = query_code_digest(key, code);
    computed.iter().zip(digest).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn query_code_digest(key: &[u8], code: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"query-code:");
    mac.update(code.trim().to_ascii_uppercase().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            secret: secret.as_bytes().to_vec(),
            previous_secret: None,
            issuer: "petition-api".into(),
            audience: "petition-clients".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(3600),
        }
    }

    fn issue(keys: &TokenKeys, now: DateTime<Utc>) -> String {
        let subject = Subject {
            account_id: AccountId::from_u128(1),
            roles: &[Role::Clerk],
            unit: None,
            jurisdiction: Some("510502".into()),
            version: 3,
            session: Uuid::from_u128(2),
        };
        keys.issue(subject, now).unwrap().0
    }

    #[test]
    fn remembered_tokens_still_expire() {
        let keys = TokenKeys::new(&settings("secret-one"));
        let token = issue(&keys, Utc::now());
        let first = keys.verify(&token).unwrap();
        assert!(Arc::ptr_eq(&first, &keys.verify(&token).unwrap()), "the second check is remembered");
        let exp = u64::try_from(first.exp).unwrap();
        assert!(unexpired(&first, exp, 5));
        assert!(unexpired(&first, exp + 5, 5), "within the leeway");
        assert!(!unexpired(&first, exp + 6, 5));
        // A token of another key is not remembered as good by being asked twice.
        let other = issue(&TokenKeys::new(&settings("secret-two")), Utc::now());
        assert!(keys.verify(&other).is_err() && keys.verify(&other).is_err());
    }

    #[test]
    fn round_trip() {
        let keys = TokenKeys::new(&settings("secret-one"));
        let claims = keys.verify(&issue(&keys, Utc::now())).unwrap();
        assert_eq!(claims.sub, Uuid::from_u128(1));
        assert_eq!(claims.ver, 3);
        assert_eq!(claims.jur.as_deref(), Some("510502"));
    }

    #[test]
    fn other_key_expired_and_foreign_tokens_fail() {
        let keys = TokenKeys::new(&settings("secret-one"));
        let other = TokenKeys::new(&settings("secret-two"));
        assert!(keys.verify(&issue(&other, Utc::now())).is_err());
        assert!(keys.verify(&issue(&keys, Utc::now() - chrono::Duration::hours(1))).is_err());
        let mut foreign = settings("secret-one");
        foreign.issuer = "someone-else".into();
        assert!(keys.verify(&issue(&TokenKeys::new(&foreign), Utc::now())).is_err());
        let mut foreign = settings("secret-one");
        foreign.audience = "someone-else".into();
        assert!(keys.verify(&issue(&TokenKeys::new(&foreign), Utc::now())).is_err());
        assert!(keys.verify("garbage").is_err());
    }

    #[test]
    fn a_rotated_secret_keeps_its_tokens_good_until_they_expire() {
        let old = TokenKeys::new(&settings("secret-one"));
        let token = issue(&old, Utc::now());
        let mut rotated = settings("secret-two");
        assert!(TokenKeys::new(&rotated).verify(&token).is_err(), "without the grace key");
        rotated.previous_secret = Some(b"secret-one".to_vec());
        let keys = TokenKeys::new(&rotated);
        assert!(keys.verify(&token).is_ok());
        assert!(keys.verify(&issue(&keys, Utc::now())).is_ok(), "new tokens are signed with the new secret");
        assert!(old.verify(&issue(&keys, Utc::now())).is_err());
        // The grace key verifies; it does not rescue what is wrong for another reason.
        assert!(keys.verify(&issue(&old, Utc::now() - chrono::Duration::hours(2))).is_err());
    }

    #[test]
    fn tokens_are_not_valid_before_their_time_nor_without_it() {
        let keys = TokenKeys::new(&settings("secret-one"));
        let good = keys.verify(&issue(&keys, Utc::now())).unwrap();
        let sign = |claims: &serde_json::Value| {
            let key = EncodingKey::from_secret(b"secret-one");
            encode(&Header::new(Algorithm::HS256), claims, &key).unwrap()
        };
        let mut early = serde_json::to_value(&*good).unwrap();
        early["nbf"] = serde_json::json!(Utc::now().timestamp() + 3600);
        assert!(keys.verify(&sign(&early)).is_err());
        let mut without = serde_json::to_value(&*good).unwrap();
        without.as_object_mut().unwrap().remove("nbf");
        assert!(keys.verify(&sign(&without)).is_err());
        assert!(keys.verify(&sign(&serde_json::to_value(&*good).unwrap())).is_ok());
    }

    #[test]
    fn query_codes_survive_a_rotation_of_their_key() {
        let settings = |pairs: &[(&str, &str)]| {
            let map: std::collections::HashMap<String, String> =
                pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            crate::config::Settings::from_lookup(|k| map.get(k).cloned()).unwrap()
        };
        let first = settings(&[("QUERY_CODE_SECRET", "the-first-query-code-secret")]);
        let stored = stored_query_code(&first.query_codes, "ABCD2345");
        assert_eq!(stored[0], 1, "the key id comes first");
        assert!(query_code_matches(&first.query_codes, &stored, "abcd2345 "), "as typed, case and spaces aside");
        assert!(!query_code_matches(&first.query_codes, &stored, "ABCD2346"));
        let rotated = settings(&[
            ("QUERY_CODE_SECRET", "the-second-query-code-secret"),
            ("QUERY_CODE_KEY_ID", "2"),
            ("QUERY_CODE_OLD_KEYS", "1:the-first-query-code-secret"),
        ]);
        assert!(query_code_matches(&rotated.query_codes, &stored, "ABCD2345"), "printed codes keep working");
        assert_eq!(stored_query_code(&rotated.query_codes, "ABCD2345")[0], 2);
        let forgotten = settings(&[("QUERY_CODE_SECRET", "the-second-query-code-secret"), ("QUERY_CODE_KEY_ID", "2")]);
        assert!(!query_code_matches(&forgotten.query_codes, &stored, "ABCD2345"));
        // Codes from before codes had keys: the bare digest under the access tokens' secret.
        let legacy = query_code_digest(&first.jwt.secret, "ABCD2345");
        assert!(query_code_matches(&rotated.query_codes, &legacy, "ABCD2345"));
    }

    #[test]
    fn alg_none_is_refused() {
        use base64::Engine;
        let keys = TokenKeys::new(&settings("secret-one"));
        let good = issue(&keys, Utc::now());
        let payload = good.split('.').nth(1).unwrap();
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys.verify(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(ha, hash_opaque(&a));
        assert_eq!(ha.len(), 32);
    }
}
