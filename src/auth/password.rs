//! argon2id password hashing with the OWASP password-storage parameters (19 MiB, 2 passes, 1 lane).
//!
//! Hashing costs tens of milliseconds of CPU and 19 MiB of memory on purpose, so the async wrappers run it on a few
//! threads of its own (see [`on_hashing_threads`]).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, OnceLock};

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
    on_hashing_threads(move || hash(&password)).await?
}

pub async fn verify_async(password: Password, stored: Option<String>) -> AppResult<bool> {
    on_hashing_threads(move || verify(&password, stored.as_deref())).await
}

/// Makes the allocator give blocks of a MiB or more back to the system when they are freed. Left to itself, glibc
/// raises that threshold to the size of the largest block freed so far, and then kept every 19 MiB a hash works in:
/// the server grew by 19 MiB per sign-in (175 MiB after eight). Call once at start-up, before serving. (The server's
/// binary allocates with mimalloc, which leaves this setting aside; it matters wherever glibc's allocator is used,
/// as in the tests.)
pub fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tuning parameter of the allocator; it is called before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on one of as many threads as there are cores, kept for hashing alone. More threads would not hash
/// sooner, and each thread that has hashed once keeps its 19 MiB (the allocator holds freed blocks of that size per
/// thread): on tokio's blocking pool, a burst of sign-ins spread over dozens of threads held a quarter of a GiB.
/// Sign-ins beyond the cores wait their turn in a queue.
async fn on_hashing_threads<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    static QUEUE: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || loop {
                // The lock is held only while waiting for the next job, not while hashing.
                let next = match receiver.lock() {
                    Ok(receiver) => receiver.recv(),
                    Err(_) => return,
                };
                match next {
                    Ok(job) => {
                        // A panicking job drops its reply (its caller gets an error); the thread goes on.
                        let _ = catch_unwind(AssertUnwindSafe(job));
                    }
                    Err(_) => return,
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        sender
    });
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = reply.send(work());
    });
    queue.send(job).map_err(|_| AppError::internal("no password hashing thread"))?;
    answer.await.map_err(|_| AppError::internal("password hashing failed"))
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

    #[tokio::test]
    async fn sign_ins_beyond_the_cores_wait_their_turn_and_all_finish() {
        let pw = Password::parse_new("demo-password", "p").unwrap();
        let stored = hash_async(pw.clone()).await.unwrap();
        let checks = (0..6).map(|i| {
            let attempt = if i % 2 == 0 { pw.clone() } else { Password::parse_new("wrong-password", "p").unwrap() };
            verify_async(attempt, Some(stored.clone()))
        });
        let verdicts = futures_util::future::join_all(checks).await;
        let verdicts: Vec<bool> = verdicts.into_iter().map(Result::unwrap).collect();
        assert_eq!(verdicts, [true, false, true, false, true, false]);
    }

    #[test]
    fn unknown_users_never_verify() {
        let pw = Password::parse_attempt("dummy password for unknown users", "p").unwrap();
        assert!(!verify(&pw, None), "even the dummy's own password does not log in");
        assert!(!verify(&pw, Some("not a hash")));
    }
}
