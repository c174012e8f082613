#!/usr/bin/env bash
# Benchmarks Bangumoe: builds Release, starts its own Azurite (in memory) and MailDev on bench ports, and runs
# bench/Bangumoe.Bench, which starts Bangumoe and a bare isolated-worker app (each under the local Functions host,
# as ./run.sh runs Bangumoe), a plain ASP.NET Core baseline and a fake Bangumi, loads them, and prints a table in
# which every figure is a ratio against a baseline measured in the same run: Bangumoe against the bare worker
# behind the same host, and the host hop (bare worker against the plain app) apart. Not part of the test suite.
#
#   bench/run.sh                          20 s per endpoint, 32 connections
#   bench/run.sh --duration 5             quicker, noisier
#
# The table is also written to bench/last-run.md; copy it into bench/RESULTS.md with what changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/devtools.sh
source scripts/devtools.sh

ensure_dotnet
ensure_npm_tools

HOST=127.0.0.1
BLOB_PORT=20000 QUEUE_PORT=20001 TABLE_PORT=20002 SMTP_PORT=20025 MAIL_WEB_PORT=20080
for port in $BLOB_PORT $QUEUE_PORT $TABLE_PORT $SMTP_PORT $MAIL_WEB_PORT 20071 20072 20073 20081; do
  if port_open "$HOST" "$port"; then
    die "port $port is in use; the benchmark needs ports 20000-20002, 20025, 20071-20073, 20080 and 20081."
  fi
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The apps are published as they are deployed: Release, linux-x64, ReadyToRun (framework-dependent).
OUT="$PWD/bench/.out"
log "Publishing Bangumoe, the bare worker, the local host and the benchmark (Release, ReadyToRun) into bench/.out"
dotnet publish Bangumoe.Functions/Bangumoe.Functions.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -nologo -v q -o "$OUT/app" >&2 || die "publish of Bangumoe failed"
dotnet publish bench/Bangumoe.Bench.Worker/Bangumoe.Bench.Worker.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -nologo -v q -o "$OUT/bare" >&2 || die "publish of the bare worker failed"
dotnet publish Bangumoe.LocalHost/Bangumoe.LocalHost.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -nologo -v q -o "$OUT/host" >&2 || die "publish of the local host failed"
dotnet publish bench/Bangumoe.Bench/Bangumoe.Bench.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -nologo -v q -o "$OUT/bench" >&2 || die "publish of the benchmark failed"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

log "Starting Azurite (in memory) and MailDev on bench ports"
node_modules/.bin/azurite --inMemoryPersistence --silent --disableTelemetry --skipApiVersionCheck --loose \
  --blobHost $HOST --queueHost $HOST --tableHost $HOST \
  --blobPort $BLOB_PORT --queuePort $QUEUE_PORT --tablePort $TABLE_PORT </dev/null >/dev/null 2>&1 &
PIDS+=("$!")
AZURITE_PID=$!
node_modules/.bin/maildev --smtp $SMTP_PORT --web $MAIL_WEB_PORT --ip $HOST --web-ip $HOST </dev/null >/dev/null 2>&1 &
PIDS+=("$!")
for port in $BLOB_PORT $QUEUE_PORT $TABLE_PORT $SMTP_PORT $MAIL_WEB_PORT; do
  wait_for_port "$HOST" "$port" 30 "emulator port $port" || die "the emulators did not start"
done

KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=http://$HOST:$BLOB_PORT/devstoreaccount1;QueueEndpoint=http://$HOST:$QUEUE_PORT/devstoreaccount1;TableEndpoint=http://$HOST:$TABLE_PORT/devstoreaccount1;"

dotnet "$OUT/bench/Bangumoe.Bench.dll" run \
  --app-dir "$OUT/app" --bare-dir "$OUT/bare" --host-dll "$OUT/host/Bangumoe.LocalHost.dll" --storage "$STORAGE" \
  --maildev "http://$HOST:$MAIL_WEB_PORT" --smtp-port $SMTP_PORT --azurite-pid "$AZURITE_PID" --out "$PWD/bench/last-run.md" "$@"
