//! The OS keychain through `keyring`, as the client's [`KeyStore`] (feature `keychain`; the app and the
//! command line share it): the Secret Service on Linux (never the kernel keyring, which any process of
//! the user can read without the keychain being unlocked and which outlives the session), the Keychain
//! on macOS, the Credential Manager on Windows — one store per target in this crate's Cargo.toml.
//! [`check_store`] refuses keyring's mock store (what it falls back to without a platform feature). The
//! service name carries the app identifier, so a test identifier never touches real entries.

use zeroize::Zeroizing;

use crate::KeyStore;

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

/// The keychain for a short process that reads several entries (the command line): reads go through
/// one Secret Service connection and one encrypted (Diffie-Hellman) session, opened on the first read
/// — each read through `keyring` opens its own, ~10 ms apiece here. It answers a read itself only when
/// exactly one unlocked item has the attributes `keyring` writes (`service`, `username` = the entry's
/// name, `target` = `default`) and none is locked; every other read (absent, several, locked, an
/// error), every write and deletion go through [`Keychain`], so it never answers other than `keyring`.
#[cfg(target_os = "linux")]
pub struct SessionKeychain {
    service: String,
    session: std::sync::Mutex<Option<dbus_secret_service::SecretService>>,
    fallback: Keychain,
}

#[cfg(target_os = "linux")]
impl SessionKeychain {
    /// Entries of `service`.
    pub fn new(service: &str) -> SessionKeychain {
        SessionKeychain {
            service: service.to_owned(),
            session: std::sync::Mutex::new(None),
            fallback: Keychain::new(service),
        }
    }

    /// `Err(())`: not answered here (the fallback answers).
    fn read(&self, name: &str) -> Result<Option<Zeroizing<String>>, ()> {
        use dbus_secret_service::{EncryptionType, SecretService};
        let mut guard = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(SecretService::connect(EncryptionType::Dh).map_err(|_| ())?);
        }
        let ss = guard.as_ref().ok_or(())?;
        let attributes: std::collections::HashMap<&str, &str> =
            [("target", "default"), ("service", self.service.as_str()), ("username", name)].into();
        let found = ss.search_items(attributes).map_err(|_| ())?;
        match (found.unlocked.as_slice(), found.locked.is_empty()) {
            ([item], true) => {
                let bytes = Zeroizing::new(item.get_secret().map_err(|_| ())?);
                std::str::from_utf8(&bytes).map(|s| Some(Zeroizing::new(s.to_owned()))).map_err(|_| ())
            }
            // Not found (keyring also looks for entries of its older versions, without `target`, in
            // the default collection), locked ones (a prompt), several: `keyring` answers.
            _ => Err(()),
        }
    }
}

#[cfg(target_os = "linux")]
impl KeyStore for SessionKeychain {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, String> {
        match self.read(name) {
            Ok(found) => Ok(found),
            Err(()) => self.fallback.get(name),
        }
    }
    fn set(&self, name: &str, secret: &str) -> Result<(), String> {
        self.fallback.set(name, secret)
    }
    fn delete(&self, name: &str) -> Result<(), String> {
        self.fallback.delete(name)
    }
}

/// Elsewhere, the plain [`Keychain`].
#[cfg(not(target_os = "linux"))]
pub type SessionKeychain = Keychain;
