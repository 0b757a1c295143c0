//! What PBKDF2 made of a project key, remembered in the key store (`VaultOptions::remember_derived`):
//! the command line unlocks on every start, and two derivations of 600,000 rounds (~170 ms) would be
//! most of `run`'s time.
//!
//! - **Only a memo.** The entry (`names::derived`) holds the data key and the proof together with a
//!   fingerprint of what they were derived from: SHA-256 over a label, the project key, the salt and the
//!   iteration count. It is used only when the key at hand has that fingerprint, so a rotated key, a
//!   changed salt or a key typed anew never takes it; anything else derives again and overwrites it.
//! - **No weaker than what is beside it.** It is written only for a generated client key that itself
//!   comes from the key store ("remembered on this computer"; never for a passphrase, whose fingerprint
//!   would be a fast hash of it, nor for a key typed and not remembered) or for a server-managed key
//!   (which the server hands to whoever holds the token). Whoever can read the entry can read the key
//!   it was derived from, in the same keychain or from the same server with the same token. "Forget"
//!   removes it with the key.
//! - **Keyed.** An entry carries an HMAC of its parts under the project key itself: one damaged, or
//!   written by someone who does not hold that key, is not used (derived again, and overwritten). A
//!   client-managed unlock still checks the result as before (the proof against the key history, a
//!   blob decrypted); an entry that fails there is removed and the key derived again in the same
//!   unlock.

use envdesk_core::crypto::DataKey;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Vault;
use crate::keystore::names;

/// The fingerprint of a key and its KDF settings (hex).
pub(crate) fn fingerprint(key: &str, salt: &[u8], iterations: i64) -> String {
    let mut h = Sha256::new();
    h.update(b"envdesk kdf memo v1\0");
    h.update((key.len() as u64).to_be_bytes());
    h.update(key.as_bytes());
    h.update((salt.len() as u64).to_be_bytes());
    h.update(salt);
    h.update(iterations.to_be_bytes());
    hex(&h.finalize())
}

/// An entry: `v2 FINGERPRINT DATA_KEY_HEX PROOF|- MAC`, the MAC under the project key `key`.
fn entry(fp: &str, key: &str, data: &[u8; 32], proof: Option<&str>) -> Zeroizing<String> {
    let data_hex = Zeroizing::new(hex(data));
    let proof = proof.unwrap_or("-");
    let mac = mac(key, fp, &data_hex, proof);
    Zeroizing::new(format!("v2 {fp} {} {proof} {mac}", data_hex.as_str()))
}

/// An entry as the vault writes it, for tests that damage one on purpose.
#[doc(hidden)]
pub fn memo_entry_for_tests(fp: &str, key: &str, data: &[u8; 32], proof: Option<&str>) -> String {
    entry(fp, key, data, proof).to_string()
}

/// The HMAC-SHA-256 of an entry's parts under the project key (hex).
fn mac(key: &str, fp: &str, data_hex: &str, proof: &str) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else { return String::new() };
    for part in [fp, data_hex, proof] {
        m.update(&(part.len() as u64).to_be_bytes());
        m.update(part.as_bytes());
    }
    hex(&m.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 0x0f), 16).unwrap_or('0'));
    }
    s
}

fn unhex32(s: &str) -> Option<Zeroizing<[u8; 32]>> {
    if s.len() != 64 {
        return None;
    }
    let mut out = Zeroizing::new([0u8; 32]);
    for (i, pair) in s.as_bytes().chunks(2).enumerate() {
        let hi = char::from(pair[0]).to_digit(16)?;
        let lo = char::from(pair[1]).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

impl Vault {
    /// The remembered derivation of project `ulid`, if it was made from `key`, with fingerprint `fp`:
    /// (the proof, when one was remembered; the data key). A key store that cannot be read says nothing.
    pub(crate) fn memo_get(&self, ulid: &str, fp: &str, key: &str) -> Option<(Option<Zeroizing<String>>, DataKey)> {
        let entry = self.keys.get(&names::derived(&self.connection, ulid)).ok()??;
        let parts: Vec<&str> = entry.split(' ').collect();
        let [version, entry_fp, data_hex, proof, check] = parts.as_slice() else { return None };
        let expected = mac(key, fp, data_hex, proof);
        let same = expected.len() == check.len()
            && expected.bytes().zip(check.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if *version != "v2" || *entry_fp != fp || !same {
            return None;
        }
        let data = DataKey::from_bytes(*unhex32(data_hex)?);
        let proof = match *proof {
            "-" => None,
            p => Some(Zeroizing::new(p.to_owned())),
        };
        Some((proof, data))
    }

    /// Forgets the remembered derivation of project `ulid`.
    pub(crate) fn memo_forget(&self, ulid: &str) {
        let _ = self.keys.delete(&names::derived(&self.connection, ulid));
    }

    /// Remembers a derivation (see the module doc). A key store that cannot be written is not an error:
    /// the next unlock derives again.
    pub(crate) fn memo_set(&self, ulid: &str, fp: &str, key: &str, proof: Option<&str>, data: &DataKey) {
        let value = entry(fp, key, data.expose(), proof);
        let _ = self.keys.set(&names::derived(&self.connection, ulid), &value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fingerprint_changes_with_the_key_the_salt_and_the_rounds() {
        let a = super::fingerprint("k", b"salt", 600_000);
        assert_eq!(a.len(), 64);
        assert_ne!(a, super::fingerprint("k2", b"salt", 600_000));
        assert_ne!(a, super::fingerprint("k", b"salt2", 600_000));
        assert_ne!(a, super::fingerprint("k", b"salt", 600_001));
        assert_ne!(super::fingerprint("ab", b"c", 1), super::fingerprint("a", b"bc", 1), "lengths are in it");
        assert_eq!(a, super::fingerprint("k", b"salt", 600_000));
        let data = [7u8; 32];
        assert_eq!(*super::unhex32(&super::hex(&data)).unwrap(), data);
        assert!(super::unhex32("zz").is_none());
    }
}
