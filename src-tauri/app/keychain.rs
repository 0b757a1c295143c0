//! The OS keychain (Secret Service on Linux) through `keyring`, as the client's [`KeyStore`].
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
