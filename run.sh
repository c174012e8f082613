#!/usr/bin/env bash
# Runs Bangumoe locally: Azurite (Azure Storage emulator), MailDev (SMTP
# catcher) and the app, all on 127.0.0.1. The app is the isolated worker,
# served by the local Functions host (Bangumoe.LocalHost) as Core Tools'
# `func start` would. Emulators that are already running are reused and left
# alone; Ctrl+C stops everything this script started.
#
#   ./run.sh                      app on http://127.0.0.1:7071
#   BANGUMOE_PORT=8080 ./run.sh   app on http://127.0.0.1:8080
#
# Bangumi binding: unless Bangumi__ClientId is set (a real bgm.tv app), the
# script also starts the fake Bangumi (Bangumoe.FakeBangumi) on
# http://127.0.0.1:7081 with a demo user "sai" and points the app at it.
# BANGUMOE_FAKE_BANGUMI=0 leaves it out (binding is then switched off).
#
# State (Azurite data, logs, the development keys) lives in .data/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/devtools.sh
source scripts/devtools.sh

ensure_dotnet
ensure_npm_tools

ROOT="$PWD"
DATA_DIR="$ROOT/.data"
BIN="$ROOT/node_modules/.bin"
APP_DIR="$ROOT/Bangumoe.Functions/bin/Release/net10.0"
APP_DLL="$APP_DIR/Bangumoe.Functions.dll"
HOST_DLL="$ROOT/Bangumoe.LocalHost/bin/Release/net10.0/Bangumoe.LocalHost.dll"
PORT="${BANGUMOE_PORT:-7071}"
HOST=127.0.0.1
FAKE_PORT="${FAKE_BANGUMI_PORT:-7081}"
USE_FAKE_BANGUMI=0
if [[ -z "${Bangumi__ClientId:-}" && "${BANGUMOE_FAKE_BANGUMI:-1}" != 0 ]]; then
  USE_FAKE_BANGUMI=1
fi

if [[ ! "$PORT" =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
  die "BANGUMOE_PORT must be a TCP port number (got '$PORT')."
fi

mkdir -p "$DATA_DIR"

# --- process bookkeeping ----------------------------------------------------

STARTED_PIDS=()
STARTED_NAMES=()

# start_bg NAME LOGFILE COMMAND... : start COMMAND in the background and remember it.
# LOGFILE "-" means inherit this script's stdout/stderr.
start_bg() {
  local name="$1" logfile="$2"
  shift 2
  if [[ "$logfile" == "-" ]]; then
    "$@" </dev/null &
  else
    "$@" </dev/null >"$logfile" 2>&1 &
  fi
  STARTED_PIDS+=("$!")
  STARTED_NAMES+=("$name")
}

# shellcheck disable=SC2317  # invoked from traps
stop_started() {
  local i pid name waited
  # Stop in reverse start order: the app first, then the emulators it uses.
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    pid="${STARTED_PIDS[i]}"
    name="${STARTED_NAMES[i]}"
    if kill -0 "$pid" 2>/dev/null; then
      log "Stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      waited=0
      while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
        sleep 0.1
        waited=$((waited + 1))
      done
      if kill -0 "$pid" 2>/dev/null; then
        log "$name did not stop within 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
  STARTED_NAMES=()
}

# shellcheck disable=SC2317  # invoked from traps
cleanup() {
  local rc="$1"
  trap - INT TERM EXIT
  set +e
  stop_started
  exit "$rc"
}
trap 'cleanup 130' INT
trap 'cleanup 143' TERM
trap 'cleanup $?' EXIT

# --- Azurite ----------------------------------------------------------------

if port_open "$HOST" 10002; then
  log "Azurite already listening on $HOST:10002; reusing it"
else
  log "Starting Azurite (log: .data/azurite.log)"
  start_bg Azurite "$DATA_DIR/azurite.log" \
    "$BIN/azurite" --silent --location "$DATA_DIR/azurite" --disableTelemetry \
    --skipApiVersionCheck --loose \
    --blobHost "$HOST" --queueHost "$HOST" --tableHost "$HOST"
fi
AZURITE_PID=""
if ((${#STARTED_PIDS[@]} > 0)) && [[ "${STARTED_NAMES[-1]}" == Azurite ]]; then
  AZURITE_PID="${STARTED_PIDS[-1]}"
fi
wait_for_port "$HOST" 10000 30 "Azurite (blob)" "$AZURITE_PID"
wait_for_port "$HOST" 10001 30 "Azurite (queue)" "$AZURITE_PID"
wait_for_port "$HOST" 10002 30 "Azurite (table)" "$AZURITE_PID"

# --- MailDev ----------------------------------------------------------------

MAILDEV_PID=""
if port_open "$HOST" 1025; then
  log "MailDev already listening on $HOST:1025; reusing it"
else
  log "Starting MailDev (log: .data/maildev.log)"
  start_bg MailDev "$DATA_DIR/maildev.log" \
    "$BIN/maildev" --smtp 1025 --web 1080 --ip "$HOST" --web-ip "$HOST"
  MAILDEV_PID="${STARTED_PIDS[-1]}"
fi
wait_for_port "$HOST" 1025 30 "MailDev (SMTP)" "$MAILDEV_PID"
wait_for_port "$HOST" 1080 30 "MailDev (web UI)" "$MAILDEV_PID"

# --- build ------------------------------------------------------------------

log "Building Bangumoe.Functions and the local Functions host (Release)"
for project in Bangumoe.Functions/Bangumoe.Functions.csproj Bangumoe.LocalHost/Bangumoe.LocalHost.csproj; do
  dotnet build "$project" -c Release -nologo -v q || die "dotnet build of $project failed; see the errors above."
done
[[ -f "$APP_DLL" ]] || die "build succeeded but $APP_DLL does not exist."
[[ -f "$HOST_DLL" ]] || die "build succeeded but $HOST_DLL does not exist."

# --- the fake Bangumi (demo binding without bgm.tv) -------------------------

PUBLIC_URL="${PublicBaseUrl:-http://$HOST:$PORT}"
if ((USE_FAKE_BANGUMI)); then
  log "Building Bangumoe.FakeBangumi (Release)"
  dotnet build Bangumoe.FakeBangumi/Bangumoe.FakeBangumi.csproj -c Release -nologo -v q ||
    die "dotnet build of the fake Bangumi failed; see the errors above."
  if port_open "$HOST" "$FAKE_PORT"; then
    die "something is already listening on $HOST:$FAKE_PORT; stop it, choose another port with FAKE_BANGUMI_PORT=..., or BANGUMOE_FAKE_BANGUMI=0"
  fi
  log "Starting the fake Bangumi on http://$HOST:$FAKE_PORT (log: .data/fake-bangumi.log)"
  start_bg "fake Bangumi" "$DATA_DIR/fake-bangumi.log" \
    dotnet "$ROOT/Bangumoe.FakeBangumi/bin/Release/net10.0/Bangumoe.FakeBangumi.dll" \
    --urls "http://$HOST:$FAKE_PORT" \
    --FakeBangumi:ClientId=bgm-demo-client --FakeBangumi:ClientSecret=bgm-demo-secret \
    --FakeBangumi:RedirectUri="${PUBLIC_URL%/}/oauth2.0/redirect"
  wait_for_port "$HOST" "$FAKE_PORT" 60 "fake Bangumi" "${STARTED_PIDS[-1]}"
  export Bangumi__OAuthBaseUrl="http://$HOST:$FAKE_PORT"
  export Bangumi__ApiBaseUrl="http://$HOST:$FAKE_PORT"
  export Bangumi__ClientId=bgm-demo-client
  export Bangumi__ClientSecret=bgm-demo-secret
fi

# --- development signing key ------------------------------------------------

SIGNING_KEY="$DATA_DIR/signing-key.pem"
if [[ ! -s "$SIGNING_KEY" ]]; then
  log "Creating a development signing key in .data/signing-key.pem"
  # Write to a temporary file first so a failure never leaves a half-written key.
  (umask 077 && dotnet "$APP_DLL" new-signing-key >"$SIGNING_KEY.tmp") ||
    { rm -f "$SIGNING_KEY.tmp"; die "could not create the signing key (dotnet $APP_DLL new-signing-key failed)."; }
  [[ -s "$SIGNING_KEY.tmp" ]] ||
    { rm -f "$SIGNING_KEY.tmp"; die "'new-signing-key' printed nothing."; }
  mv "$SIGNING_KEY.tmp" "$SIGNING_KEY"
  chmod 600 "$SIGNING_KEY"
fi

# --- development key for Bangumi tokens at rest -----------------------------

TOKEN_KEY="$DATA_DIR/bangumi-token-key"
if [[ ! -s "$TOKEN_KEY" ]]; then
  log "Creating a development key for Bangumi tokens in .data/bangumi-token-key"
  (umask 077 && head -c 32 /dev/urandom | base64 >"$TOKEN_KEY")
fi
export Bangumi__TokenEncryptionKey="${Bangumi__TokenEncryptionKey:-$(cat "$TOKEN_KEY")}"

# --- the app ----------------------------------------------------------------

if port_open "$HOST" "$PORT"; then
  die "something is already listening on $HOST:$PORT; stop it or choose another port with BANGUMOE_PORT=..."
fi

# The host passes its environment on to the worker: these are the app settings (local.settings.json's Values
# under func start).
export AZURE_FUNCTIONS_ENVIRONMENT=Development
export FUNCTIONS_WORKER_RUNTIME=dotnet-isolated
export PublicBaseUrl="${PublicBaseUrl:-http://$HOST:$PORT}"
export Storage__NamePrefix="${Storage__NamePrefix:-}"
export AzureWebJobsStorage=UseDevelopmentStorage=true
export Smtp__Host="$HOST"
export Smtp__Port=1025
export Smtp__Security=None
export Signing__Keys__0__PrivateKeyFile="$SIGNING_KEY"

APP_URL="http://$HOST:$PORT"
log "Starting the local Functions host with Bangumoe on $APP_URL"
# The host starts the worker in the app directory (as a deployed app runs), so the worker's content root holds the
# appsettings*.json copied there by the build.
start_bg "Bangumoe (local Functions host)" - dotnet "$HOST_DLL" --app "$APP_DIR" --port "$PORT"
APP_PID="${STARTED_PIDS[-1]}"
wait_for_port "$HOST" "$PORT" 60 "Bangumoe" "$APP_PID"

PUBLIC_NOTE=""
if ((USE_FAKE_BANGUMI)); then
  PUBLIC_NOTE="
    Fake Bangumi: http://$HOST:$FAKE_PORT   (bind as 'sai': see README, \"Bangumi binding\")"
fi
if [[ "$PublicBaseUrl" != "$APP_URL" ]]; then
  PUBLIC_NOTE="
${PUBLIC_NOTE}
    Public URL:  $PublicBaseUrl   (PublicBaseUrl, used in links the app sends)"
fi
cat <<EOF

  Bangumoe is running.

    App:         $APP_URL
    Health:      $APP_URL/api/health${PUBLIC_NOTE}
    MailDev UI:  http://$HOST:1080   (every email the app sends lands here)

  Ctrl+C stops everything this script started.

EOF

app_rc=0
wait "$APP_PID" || app_rc=$?
if ((app_rc == 0)); then
  app_rc=1
fi
log "Bangumoe exited unexpectedly (status $app_rc); stopping the rest"
exit "$app_rc"
