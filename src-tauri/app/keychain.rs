//! The OS keychain: `envdesk_client::keychain` (shared with the command line) — [`Keychain`] as the
//! client's `KeyStore`, [`check_store`] refusing keyring's mock store — and [`migrate_kernel_keyring`],
//! which moves what an earlier envdesk (keyring's `linux-native-sync-persistent`) left in the kernel
//! keyring (issue 10, hole 4).

pub use envdesk_client::keychain::{check_persistence, check_store, Keychain, MOCK_STORE};
use envdesk_client::KeyStore;
use zeroize::Zeroizing;

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
