#!/usr/bin/env bash
# Runs the whole Bangumoe test suite. Extra arguments go to `dotnet test`, e.g.
#
#   ./test.sh --filter "FullyQualifiedName~Signup"
#
# The tests start their own Azurite and MailDev (from node_modules/.bin) on
# free loopback ports, and drive Debian's Chromium (/usr/bin/chromium) for the
# browser tests, so this script only makes sure those tools are installed.
# The last line printed is always: tests: N passed, N failed, N skipped
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/devtools.sh
source scripts/devtools.sh

ensure_dotnet
ensure_npm_tools
ensure_chromium
ensure_zip

export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bangumoe-test.XXXXXX")"
LOG_FILE="$LOG_DIR/dotnet-test.log"
trap 'rm -rf "$LOG_DIR"' EXIT

set +e
dotnet test Bangumoe.sln -c Release --nologo "$@" 2>&1 | tee "$LOG_FILE"
rc=${PIPESTATUS[0]}
set -e

# VSTest prints one summary line per test assembly, e.g.
#   Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total:    42, Duration: 3 s - Bangumoe.Tests.dll (net10.0)
#   Failed!  - Failed:     1, Passed:    41, Skipped:     0, Total:    42, Duration: 3 s - Bangumoe.Tests.dll (net10.0)
# Colour codes and carriage returns are stripped before matching.
read -r summaries passed failed skipped < <(
  sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r//g' "$LOG_FILE" | awk '
    function field(name,    rest) {
      if (!match($0, name ":[ \t]*[0-9]+")) return 0
      rest = substr($0, RSTART, RLENGTH)
      sub(/^[^:]*:[ \t]*/, "", rest)
      return rest + 0
    }
    /[A-Za-z]+![ \t]+-[ \t]+Failed:[ \t]*[0-9]+,[ \t]*Passed:[ \t]*[0-9]+,[ \t]*Skipped:[ \t]*[0-9]+/ {
      n++
      f += field("Failed"); p += field("Passed"); s += field("Skipped")
    }
    END { printf "%d %d %d %d\n", n, p, f, s }
  '
)

if ((summaries == 0)); then
  echo "error: no test summary found in the dotnet test output (the build failed or no tests ran)." >&2
  if ((rc == 0)); then
    rc=1
  fi
elif ((failed > 0 && rc == 0)); then
  rc=1
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$rc"
