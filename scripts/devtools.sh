# shellcheck shell=bash
# Shared helpers for run.sh and test.sh. Source it; do not execute it.
#
#   source scripts/devtools.sh
#
# Functions:
#   die MESSAGE...                     print an error to stderr and exit 1
#   log MESSAGE...                     print a progress line to stderr
#   ensure_dotnet                      fail clearly unless the .NET SDK is on PATH
#   ensure_npm_tools                   npm ci when Azurite/MailDev are missing or stale
#   ensure_chromium                    apt-get install Debian's chromium (and a CJK font) when missing
#   ensure_zip                         apt-get install zip when /usr/bin/zip is missing
#   port_open HOST PORT                0 if HOST:PORT accepts TCP connections
#   wait_for_port HOST PORT SECS NAME [PID]
#                                      poll until HOST:PORT is open; fail naming NAME
#                                      (and fail early if PID is given and has died)

if [[ -n "${BANGUMOE_DEVTOOLS_LOADED:-}" ]]; then
  return 0
fi
BANGUMOE_DEVTOOLS_LOADED=1

# Repository root: the parent of the directory holding this file.
DEVTOOLS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() {
  printf '==> %s\n' "$*" >&2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    die "'dotnet' was not found on PATH. Install the .NET 10 SDK (https://dot.net) and try again."
  fi
}

# Installs the pinned Azurite and MailDev from package-lock.json when they are
# missing or when the lock file changed since the last install.
ensure_npm_tools() {
  local cmd
  for cmd in node npm; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
      die "'$cmd' was not found on PATH. Install Node.js 20 or newer (https://nodejs.org), which includes npm, and try again."
    fi
  done

  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [[ ! "$node_major" =~ ^[0-9]+$ ]] || ((node_major < 20)); then
    die "Node.js 20 or newer is required (found $(node --version 2>/dev/null || echo 'unknown'))."
  fi

  local bin="$DEVTOOLS_ROOT/node_modules/.bin"
  local reason=""
  if [[ ! -x "$bin/azurite" ]]; then
    reason="azurite is not installed"
  elif [[ ! -x "$bin/maildev" ]]; then
    reason="maildev is not installed"
  elif [[ "$DEVTOOLS_ROOT/package-lock.json" -nt "$DEVTOOLS_ROOT/node_modules/.package-lock.json" ]]; then
    reason="package-lock.json changed since the last install"
  fi

  if [[ -n "$reason" ]]; then
    log "Installing local emulators with npm ci ($reason)"
    if ! (cd "$DEVTOOLS_ROOT" && npm ci --no-audit --no-fund) >&2; then
      die "'npm ci' failed in $DEVTOOLS_ROOT; see the npm output above."
    fi
    if [[ ! -x "$bin/azurite" || ! -x "$bin/maildev" ]]; then
      die "'npm ci' finished but node_modules/.bin/azurite or node_modules/.bin/maildev is still missing."
    fi
  fi
}

# The browser tests drive Debian's Chromium at this path (no browser downloads: Playwright only brings its driver).
CHROMIUM_PATH=/usr/bin/chromium

# Installs Debian's chromium package when /usr/bin/chromium is missing: as root directly, otherwise through sudo.
# ensure_apt PATH PACKAGE WHY: apt-get install PACKAGE when the executable PATH is missing.
ensure_apt() {
  local path="$1" package="$2" why="$3"
  if [[ -e "$path" ]]; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    die "$path is missing and apt-get is not available. Install $package so that $path exists ($why) and try again."
  fi

  local -a as_root=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo)
    else
      die "$path is missing and installing it needs root: run as root, install sudo, or run 'apt-get install $package' as root yourself."
    fi
  fi

  log "Installing $package with apt-get ($path is missing; $why)"
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >&2; then
    die "'apt-get update' failed; see the output above."
  fi
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >&2; then
    die "'apt-get install $package' failed; see the output above."
  fi
  if [[ ! -x "$path" ]]; then
    die "'apt-get install $package' finished but $path is still missing."
  fi
}

ensure_chromium() {
  ensure_apt "$CHROMIUM_PATH" chromium "the browser tests need it"
  # Without a CJK font the Chinese pages' screenshots show boxes instead of characters.
  ensure_apt /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk "the Chinese pages' screenshots need a CJK font"
}

ensure_zip() {
  ensure_apt /usr/bin/zip zip "the deployment package is a zip that keeps the executable bit"
}

port_open() {
  local host="$1" port="$2"
  # The redirect runs in a child bash so that a refused or hung connect
  # neither prints to our stderr nor blocks for more than a second.
  # shellcheck disable=SC2016  # $1/$2 are expanded by the inner bash
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" >/dev/null 2>&1
}

wait_for_port() {
  local host="$1" port="$2" seconds="$3" name="$4" pid="${5:-}"
  local deadline=$((SECONDS + seconds))
  while ! port_open "$host" "$port"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      printf 'error: %s exited before it opened %s:%s\n' "$name" "$host" "$port" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf 'error: %s did not open %s:%s within %s s\n' "$name" "$host" "$port" "$seconds" >&2
      return 1
    fi
    sleep 0.2
  done
}
