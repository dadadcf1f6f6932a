//! Upstream secrets at rest: AES-256-GCM under a key derived from `GPROXY_MASTER_KEY` (or a
//! generated `master.key` file), sealed as `nonce (12 bytes) ‖ ciphertext+tag`.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};

/// Length of the random nonce that starts every sealed value.
const NONCE_LEN: usize = 12;
/// Name of the generated key file inside the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error(
        "cannot decrypt a stored secret: the master key differs from the one it was sealed with \
         (check GPROXY_MASTER_KEY or {MASTER_KEY_FILE}), or the value is corrupted"
    )]
    WrongKey,
    #[error("stored secret is malformed: {0}")]
    Malformed(&'static str),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("master key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The cipher for upstream secrets. Cheap to clone; its `Debug` never shows the key.
#[derive(Clone)]
pub struct Crypto {
    cipher: Aes256Gcm,
}

impl fmt::Debug for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Crypto(<key hidden>)")
    }
}

impl Crypto {
    /// Any string works as a master key: its SHA-256 is the AES-256 key.
    pub fn from_master_key(master: &str) -> Crypto {
        let key = Sha256::digest(master.as_bytes());
        Crypto {
            cipher: Aes256Gcm::new(&key),
        }
    }

    /// Read `{data_dir}/master.key`, or create it with 32 random bytes (hex, mode 0600) and warn:
    /// losing that file makes every stored upstream secret unreadable.
    pub fn load_or_create(data_dir: &Path) -> Result<Crypto, CryptoError> {
        let path = data_dir.join(MASTER_KEY_FILE);
        let io = |source| CryptoError::KeyFile {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let master = text.trim();
                if master.is_empty() {
                    return Err(io(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the file is empty",
                    )));
                }
                return Ok(Crypto::from_master_key(master));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let master = hex(&random_bytes::<32>()?);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(io)?;
        file.write_all(master.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(io)?;
        tracing::warn!(
            path = %path.display(),
            "GPROXY_MASTER_KEY is not set: generated a master key file; back it up, or set \
             GPROXY_MASTER_KEY to its content (without it stored upstream secrets cannot be read)"
        );
        Ok(Crypto::from_master_key(&master))
    }

    /// Encrypt a secret: a fresh random 96-bit nonce followed by the ciphertext and its tag.
    pub fn seal(&self, plaintext: &str) -> Result<Vec<u8>, CryptoError> {
        let nonce = random_bytes::<NONCE_LEN>()?;
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| CryptoError::Malformed("plaintext too long"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypt a value made by [`Crypto::seal`]; a different key gives [`CryptoError::WrongKey`].
    pub fn open(&self, sealed: &[u8]) -> Result<String, CryptoError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(CryptoError::Malformed("shorter than a nonce and a tag"));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CryptoError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed("not UTF-8"))
    }
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(buf)
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips_with_fresh_nonces() {
        let c = Crypto::from_master_key("correct horse");
        for secret in ["sk-abc", "", "ключ-🔑", &"x".repeat(5000)] {
            let a = c.seal(secret).unwrap();
            let b = c.seal(secret).unwrap();
            assert_ne!(a, b, "nonces must differ");
            assert_eq!(a.len(), NONCE_LEN + secret.len() + 16);
            assert_eq!(c.open(&a).unwrap(), secret);
        }
    }

    #[test]
    fn wrong_key_and_tampering_fail_clearly() {
        let sealed = Crypto::from_master_key("one").seal("sk-secret").unwrap();
        let err = Crypto::from_master_key("two").open(&sealed).unwrap_err();
        assert!(matches!(err, CryptoError::WrongKey));
        assert!(err.to_string().contains("GPROXY_MASTER_KEY"), "{err}");
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let one = Crypto::from_master_key("one");
        assert!(matches!(one.open(&tampered), Err(CryptoError::WrongKey)));
        assert!(matches!(
            one.open(&sealed[..10]),
            Err(CryptoError::Malformed(_))
        ));
    }

    #[test]
    fn key_file_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("nested");
        let first = Crypto::load_or_create(&data).unwrap();
        let sealed = first.seal("sk-1").unwrap();
        let again = Crypto::load_or_create(&data).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "sk-1");
        let text = std::fs::read_to_string(data.join(MASTER_KEY_FILE)).unwrap();
        assert_eq!(text.trim().len(), 64);
        // the file content works as GPROXY_MASTER_KEY
        let from_env = Crypto::from_master_key(text.trim());
        assert_eq!(from_env.open(&sealed).unwrap(), "sk-1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(MASTER_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{first:?}").contains(&text[..8]));
    }
}
