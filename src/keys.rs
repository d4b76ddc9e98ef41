//! Secrets: random tokens from the OS, and the keyed hashes (HMAC-SHA256 under `SECRET_KEY`)
//! that the database stores instead of session tokens and that CSRF tokens are made of.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Cryptographically random bytes from the OS.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    buf
}

/// A fresh 256-bit token, hex-encoded.
pub fn random_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// Keyed hashes derived from `SECRET_KEY`.
pub struct Keys {
    secret: Vec<u8>,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        Keys { secret: secret.to_vec() }
    }

    fn mac(&self, purpose: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        mac
    }

    /// What the database stores instead of the session token itself.
    pub fn session_hash(&self, token: &str) -> String {
        hex::encode(self.mac("session", token).finalize().into_bytes())
    }

    /// The form token belonging to a CSRF seed cookie.
    pub fn csrf_token(&self, seed: &str) -> String {
        hex::encode(self.mac("csrf", seed).finalize().into_bytes())
    }

    /// Constant-time check that a submitted form token matches the seed cookie.
    pub fn csrf_ok(&self, seed: Option<&str>, token: Option<&str>) -> bool {
        match (seed, token.and_then(|t| hex::decode(t).ok())) {
            (Some(seed), Some(token)) if !seed.is_empty() => self.mac("csrf", seed).verify_slice(&token).is_ok(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_verify_only_against_their_own_seed() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.csrf_token("seed-a");
        assert!(keys.csrf_ok(Some("seed-a"), Some(&token)));
        assert!(!keys.csrf_ok(Some("seed-b"), Some(&token)));
        assert!(!keys.csrf_ok(None, Some(&token)));
        assert!(!keys.csrf_ok(Some("seed-a"), None));
        assert!(!keys.csrf_ok(Some("seed-a"), Some("not hex")));
        let other = Keys::new(b"another secret key of enough length!");
        assert!(!other.csrf_ok(Some("seed-a"), Some(&token)));
    }

    #[test]
    fn session_hashes_depend_on_the_secret() {
        let a = Keys::new(b"secret-one-secret-one-secret-one");
        let b = Keys::new(b"secret-two-secret-two-secret-two");
        assert_eq!(a.session_hash("t"), a.session_hash("t"));
        assert_ne!(a.session_hash("t"), b.session_hash("t"));
    }
}
