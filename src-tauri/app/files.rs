//! The data directory and its settings file, private to the user (issue 10, hole 12): the directory
//! is made 0700 at every start (an existing one too), and `settings.json` — written by
//! tauri-plugin-store with `fs::write`, which keeps the mode of an existing file — is created 0600
//! before the store first writes it, and set back to 0600 after every save.

use std::io;
use std::path::{Path, PathBuf};

/// The settings file in the data directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// Creates the data directory (0700) and the settings file (0600, `{}` when new); returns the
/// settings file's path. Existing ones are set to those modes.
pub fn prepare_data_dir(dir: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)?;
    let settings = dir.join(SETTINGS_FILE);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(&settings) {
        Ok(mut f) => io::Write::write_all(&mut f, b"{}")?,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    make_private(&settings)?;
    Ok(settings)
}

/// Sets a file to owner-only read and write (0600).
pub fn make_private(file: &Path) -> io::Result<()> {
    set_mode(file, 0o600)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    // Windows: the per-user application data directory is already private to the user.
    Ok(())
}
