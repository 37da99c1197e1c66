//! Password rules and argon2id hashing.
//!
//! Hashing is deliberately slow (~50 ms), so callers run it on the blocking pool.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::DomainError;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

/// A password that passed the length rules; never printed.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    pub fn parse(raw: &str, field: &'static str) -> Result<Password, DomainError> {
        let len = raw.chars().count();
        if len < MIN_LEN {
            return Err(DomainError::invalid(field, "password_too_short"));
        }
        if len > MAX_LEN {
            return Err(DomainError::invalid(field, "password_too_long"));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id recommendation: m=19 MiB, t=2, p=1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 params are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most this many hashes run at once: each takes 19 MiB and a core for ~50 ms, so a burst
/// of logins queues here instead of exhausting memory and the blocking thread pool.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

pub async fn hash(password: &Password) -> Result<String, DomainError> {
    let pw = password.0.clone();
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DomainError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| DomainError::Internal(e.to_string()))?
}

/// A valid hash of a random password, verified against when the account does not exist so that
/// a login for an unknown email takes as long as one for a known email.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2JvcnNib3JzYm9yc2Jvcg$2ZbLkIS3sC2x2bt9d3H0kJ8WcJz1ZMwF8F2Jm0p7o6Q";

/// Verifies `password` against `stored`; with `None` it burns the same time and returns false.
pub async fn verify(password: &str, stored: Option<String>) -> bool {
    let pw = password.to_owned();
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let hash_str = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&hash_str) else {
            return false;
        };
        argon2().verify_password(pw.as_bytes(), &parsed).is_ok() && real
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let p = Password::parse("correct horse", "password").unwrap();
        let h = hash(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", Some(h.clone())).await);
        assert!(!verify("wrong horse!", Some(h)).await);
        assert!(!verify("correct horse", None).await);
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn length_rules() {
        assert!(Password::parse("short", "password").is_err());
        assert!(Password::parse(&"x".repeat(257), "password").is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret123", "p").unwrap()),
            "Password(<redacted>)"
        );
    }
}
