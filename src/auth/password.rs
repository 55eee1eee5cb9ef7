//! argon2id password hashing with the OWASP password-storage parameters (19 MiB, 2 passes, 1 lane).
//!
//! Hashing costs tens of milliseconds of CPU on purpose, so the async wrappers run it on tokio's blocking threads.

use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::credentials::Password;
use crate::error::{AppError, AppResult};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &Password) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

/// Checks `password` against `stored`; with no stored hash (unknown user) it checks against a dummy hash, so that
/// an unknown user costs as much time as a wrong password and the two cannot be told apart.
pub fn verify(password: &Password, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        hash(&Password::parse_attempt("dummy password for unknown users", "").expect("valid")).expect("hashable")
    });
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    // Verify with the parameters stored in the hash, so that raising them later keeps old hashes valid.
    let ok = Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok();
    ok && real
}

pub async fn hash_async(password: Password) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(AppError::internal)?
}

pub async fn verify_async(password: Password, stored: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref())).await.map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let pw = Password::parse_new("demo-password", "p").unwrap();
        let h = hash(&pw).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&pw, Some(&h)));
        assert!(!verify(&Password::parse_new("wrong-password", "p").unwrap(), Some(&h)));
    }

    #[test]
    fn unknown_users_never_verify() {
        let pw = Password::parse_attempt("dummy password for unknown users", "p").unwrap();
        assert!(!verify(&pw, None), "even the dummy's own password does not log in");
        assert!(!verify(&pw, Some("not a hash")));
    }
}
