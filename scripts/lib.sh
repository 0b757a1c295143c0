# Shared helpers of envdesk's scripts: install only what is missing, say what is being done.
# shellcheck shell=bash

# Seconds since the outermost script started, on every step's line (where CI's minutes go).
: "${ENVDESK_T0:=$(date +%s)}"
export ENVDESK_T0
log() { printf '\033[1m==> [%ss] %s\033[0m\n' "$(($(date +%s) - ENVDESK_T0))" "$*" >&2; }

# The one test build of the workspace: every script that needs a debug binary or a test asks cargo for
# these same arguments, so that the features (and so the compiled units) are the same and nothing is
# compiled twice (CI's minutes on a fresh 2-core machine). The test-dialogs hook is in the test build's
# app binary (scripts/e2e.sh drives it); what ships is built without it (scripts/package.sh).
TEST_BUILD=(--workspace --locked --features envdesk/test-dialogs)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG... — installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_rust — cargo from rustup (Debian's rustc is too old for the pinned rust-version).
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      apt_install curl ca-certificates
      log "installing Rust with rustup"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
  fi
}

# ensure_node — Node.js 20.19+ (Vite 8 needs it).
ensure_node() {
  if command -v node >/dev/null 2>&1; then
    local major minor
    major=$(node -p 'process.versions.node.split(".")[0]')
    minor=$(node -p 'process.versions.node.split(".")[1]')
    if [ "$major" -gt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -ge 19 ]; }; then return 0; fi
  fi
  apt_install nodejs npm
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
    log "Node.js 20.19 or newer is needed (found $(node --version 2>/dev/null || echo none)); install it from nodejs.org or your distribution's backports."
    exit 1
  fi
}

# Root of the repository (everything the scripts and tests need is inside it).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ensure_driver_tools — what drives the real window: WebKitWebDriver, tauri-driver, Xvfb, a D-Bus
# session with GNOME Keyring, and tests/e2e's npm packages (WebdriverIO).
ensure_driver_tools() {
  apt_install webkit2gtk-driver xvfb xauth dbus-x11 gnome-keyring libsecret-tools imagemagick procps
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    log "installing tauri-driver"
    cargo install tauri-driver --locked --version '^2'
  fi
  (cd "$ROOT/tests/e2e" && { [ -d node_modules ] && [ ! package-lock.json -nt node_modules ]; } || npm ci --no-audit --no-fund --loglevel=error)
}

# ensure_cargo_tool NAME CRATE VERSION — `cargo NAME` from `cargo install CRATE --locked`, unless present.
ensure_cargo_tool() {
  local name=$1 crate=$2 version=$3
  if ! cargo "$name" --version >/dev/null 2>&1; then
    log "installing $crate $version (cargo install, a few minutes once)"
    cargo install "$crate" --locked --version "$version"
  fi
}

# ensure_cargo_fuzz — cargo-fuzz (runs on the stable toolchain with RUSTC_BOOTSTRAP=1; docs/fuzzing.md).
ensure_cargo_fuzz() { ensure_cargo_tool fuzz cargo-fuzz '^0.13'; }

