//! Access tokens (short-lived JWTs, HS256) and refresh tokens (opaque, stored as SHA-256 hashes).

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::JwtSettings;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};

/// The claims of an access token: who, which roles, which unit and jurisdiction, and the account's token version at
/// issue time (a password or role change bumps the version and so invalidates older tokens).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: Uuid,
    pub roles: Vec<Role>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub jur: Option<String>,
    pub ver: i32,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    /// Not valid before: the issue time (a token minted ahead of time by whoever holds a key is refused until then).
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
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
            encoding: EncodingKey::from_secret(&settings.secret),
            decoding: DecodingKey::from_secret(&settings.secret),
            validation,
            settings: settings.clone(),
        }
    }

    /// Signs an access token; returns it with its expiry.
    pub fn issue(
        &self,
        account_id: Uuid,
        roles: &[Role],
        unit: Option<Uuid>,
        jurisdiction: Option<String>,
        version: i32,
        now: DateTime<Utc>,
    ) -> AppResult<(String, DateTime<Utc>)> {
        let expires = now + chrono::Duration::from_std(self.settings.access_ttl).map_err(AppError::internal)?;
        let claims = Claims {
            sub: account_id,
            roles: roles.to_vec(),
            unit,
            jur: jurisdiction,
            ver: version,
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
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation).map(|data| data.claims).map_err(|e| {
            tracing::debug!(error = %e, "access token rejected");
            AppError::unauthenticated("invalid or expired access token")
        })
    }

    pub fn refresh_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.refresh_ttl).unwrap_or(chrono::Duration::days(30))
    }
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

/// The stored form of a case's query code (查询码): HMAC-SHA256 under a server key, so that a copy of the database
/// alone does not let anyone try all 31^8 codes offline.
pub fn query_code_digest(key: &[u8], code: &str) -> Vec<u8> {
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
            issuer: "petition-api".into(),
            audience: "petition-clients".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(3600),
        }
    }

    fn issue(keys: &TokenKeys, now: DateTime<Utc>) -> String {
        keys.issue(Uuid::from_u128(1), &[Role::Clerk], None, Some("510502".into()), 3, now).unwrap().0
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
    fn tokens_are_not_valid_before_their_time_nor_without_it() {
        let keys = TokenKeys::new(&settings("secret-one"));
        let good = keys.verify(&issue(&keys, Utc::now())).unwrap();
        let sign = |claims: &serde_json::Value| {
            let key = EncodingKey::from_secret(b"secret-one");
            encode(&Header::new(Algorithm::HS256), claims, &key).unwrap()
        };
        let mut early = serde_json::to_value(&good).unwrap();
        early["nbf"] = serde_json::json!(Utc::now().timestamp() + 3600);
        assert!(keys.verify(&sign(&early)).is_err());
        let mut without = serde_json::to_value(&good).unwrap();
        without.as_object_mut().unwrap().remove("nbf");
        assert!(keys.verify(&sign(&without)).is_err());
        assert!(keys.verify(&sign(&serde_json::to_value(&good).unwrap())).is_ok());
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
