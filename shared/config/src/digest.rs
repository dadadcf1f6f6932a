//! API-key digests: user keys are only ever stored and streamed as SHA-256 digests.

use sha2::{Digest, Sha256};

/// SHA-256 of a key, as 64 lowercase hex characters.
pub fn key_digest(key: &str) -> String {
    let d = Sha256::digest(key.as_bytes());
    let mut s = String::with_capacity(64);
    for b in d {
        s.push(char::from(HEX[(b >> 4) as usize]));
        s.push(char::from(HEX[(b & 0xf) as usize]));
    }
    s
}

/// The raw 32-byte digest, for hash-map lookups on the hot path.
pub fn key_digest_bytes(key: &[u8]) -> [u8; 32] {
    Sha256::digest(key).into()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Parse 64 hex characters into a digest.
pub fn parse_hex_digest(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_bytes_agree() {
        let hex = key_digest("gp-alice-0001");
        assert_eq!(
            parse_hex_digest(&hex),
            Some(key_digest_bytes(b"gp-alice-0001"))
        );
        assert_eq!(
            key_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(parse_hex_digest("zz"), None);
    }
}
