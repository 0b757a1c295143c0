//! The OS keychain through `keyring`, as the client's [`KeyStore`]: the Secret Service on Linux (never
//! the kernel keyring, which any process of the user can read without the keychain being unlocked and
//! which outlives the session), the Keychain on macOS, the Credential Manager on Windows — one store per
//! target in the root Cargo.toml. [`check_store`] refuses to start on keyring's mock store (what it falls
//! back to without a platform feature), and [`migrate_kernel_keyring`] moves what an earlier envdesk
//! (keyring's `linux-native-sync-persistent`) left in the kernel keyring (issue 10, hole 4).
//! The service name carries the app identifier, so a test identifier never touches real entries.

use envdesk_client::KeyStore;
use zeroize::Zeroizing;

/// Entries under one keychain service name.
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// Entries of `service` (e.g. `dev.envdesk.app`).
    pub fn new(service: &str) -> Keychain {
        Keychain { service: service.to_owned() }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(&self.service, name).map_err(|e| describe(&e))
    }
}

/// The keyring's error, without anything secret (its messages name the platform's failure).
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            "the system keychain is not available (is a Secret Service, e.g. GNOME Keyring, running and unlocked?)"
                .into()
        }
        other => other.to_string(),
    }
}

impl KeyStore for Keychain {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, String> {
        match self.entry(name)?.get_password() {
            Ok(s) => Ok(Some(Zeroizing::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(&e)),
        }
    }
    fn set(&self, name: &str, secret: &str) -> Result<(), String> {
        self.entry(name)?.set_password(secret).map_err(|e| describe(&e))
    }
    fn delete(&self, name: &str) -> Result<(), String> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(&e)),
        }
    }
}

/// Why envdesk cannot keep secrets with the store this build uses.
pub const MOCK_STORE: &str = "envdesk cannot keep secrets on this system: it was built without a native \
keychain store, and keyring's fallback keeps every token and key in memory only, to be lost on exit. \
Build envdesk for this platform with its keychain (Secret Service, macOS Keychain or Windows Credential \
Manager).";

/// Whether the default store of this build keeps secrets until they are deleted; an error naming the
/// problem when it is keyring's mock (or any store that forgets).
pub fn check_store() -> Result<(), String> {
    check_persistence(keyring::default::default_credential_builder().persistence())
}

/// [`check_store`] for a store of the given persistence.
pub fn check_persistence(p: keyring::credential::CredentialPersistence) -> Result<(), String> {
    match p {
        keyring::credential::CredentialPersistence::UntilDelete => Ok(()),
        _ => Err(MOCK_STORE.to_owned()),
    }
}

/// What [`migrate_kernel_keyring`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Entries copied to the keychain (it had none of that name).
    pub copied: usize,
    /// Entries removed from the kernel keyring (copied, or the keychain already had one).
    pub removed: usize,
    /// Entries left in the kernel keyring because the keychain could not be read or written (they
    /// are tried again at the next start).
    pub kept: usize,
}

/// Moves the entries of `service` that an earlier envdesk left in the kernel keyring (keyring 3's
/// `linux-native-sync-persistent` store: user keys described `keyring-rs:{name}@{service}`, in the
/// session keyring and the user's persistent keyring) into `to`: each is copied when `to` has no entry
/// of that name (an entry already there is newer or equal and wins), then removed from the kernel
/// keyring. An entry `to` cannot take stays where it is. Uses the kernel's keyutils directly
/// (`linux-keyutils`), not keyring's store of it, which is no longer built.
#[cfg(target_os = "linux")]
pub fn migrate_kernel_keyring(service: &str, to: &dyn KeyStore) -> Migration {
    use linux_keyutils::{KeyRing, KeyRingIdentifier, KeyType};

    let mut out = Migration::default();
    let suffix = format!("@{service}");
    let mut seen = std::collections::HashSet::new();
    let mut visit = |ring: KeyRing| {
        let Ok(links) = ring.get_links(4096) else { return };
        for key in links.iter().filter_map(|l| l.as_key()) {
            if !seen.insert(key.get_id().0) {
                continue;
            }
            let Ok(meta) = key.metadata() else { continue };
            if meta.get_type() != KeyType::User {
                continue;
            }
            let Some(name) = meta.get_description().strip_prefix("keyring-rs:").and_then(|d| d.strip_suffix(&suffix))
            else {
                continue;
            };
            let name = name.to_owned();
            let moved = match to.get(&name) {
                Ok(Some(_)) => true,
                Ok(None) => match key.read_to_vec().map(Zeroizing::new) {
                    Ok(bytes) => match std::str::from_utf8(&bytes) {
                        Ok(secret) => {
                            let ok = to.set(&name, secret).is_ok();
                            out.copied += usize::from(ok);
                            ok
                        }
                        // Not text: not an entry envdesk wrote.
                        Err(_) => false,
                    },
                    Err(_) => false,
                },
                Err(_) => false,
            };
            if moved && key.invalidate().is_ok() {
                out.removed += 1;
            } else {
                out.kept += 1;
            }
        }
    };
    // keyring added each entry to the session keyring (the user-session keyring for a process without
    // one) and linked it into the persistent keyring, where it outlives a logout. Those are read first:
    // asking for the persistent keyring gives a process without a session keyring a new one, and the
    // process would no longer possess (could no longer read) what the user-session keyring holds.
    for id in [KeyRingIdentifier::Session, KeyRingIdentifier::UserSession, KeyRingIdentifier::User] {
        if let Ok(r) = KeyRing::from_special_id(id, false) {
            visit(r);
        }
    }
    if let Ok(r) = KeyRing::get_persistent(KeyRingIdentifier::Session) {
        visit(r);
    }
    out
}

/// No kernel keyring outside Linux.
#[cfg(not(target_os = "linux"))]
pub fn migrate_kernel_keyring(_service: &str, _to: &dyn KeyStore) -> Migration {
    Migration::default()
}
