#!/usr/bin/env bash
# Builds the deployment package: the zip a Flex Consumption function app runs.
#
#   scripts/package.sh [OUTPUT.zip]        default: artifacts/bangumoe-functions.zip
#
# Inside: the publish output of the isolated worker as the Functions SDK lays it out (host.json,
# functions.metadata, worker.config.json, extensions.json and Bangumoe.Functions.dll with its dependencies,
# ReadyToRun for linux-x64 so cold starts JIT less). Framework-dependent: Flex Consumption brings .NET 10.
# No local.settings.json.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/devtools.sh
source scripts/devtools.sh

ensure_dotnet
ensure_zip

OUTPUT="${1:-artifacts/bangumoe-functions.zip}"
case "$OUTPUT" in /*) ;; *) OUTPUT="$PWD/$OUTPUT" ;; esac
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/bangumoe-package.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"

log "Publishing Bangumoe.Functions (Release, linux-x64, ReadyToRun)"
# Built apart (--artifacts-path): this build's settings (no symbols) would otherwise rebuild Bangumoe.Shared in its
# bin/obj and delete the symbols that a build or test run of the solution going on beside it copies.
dotnet publish Bangumoe.Functions/Bangumoe.Functions.csproj -c Release -r linux-x64 --self-contained false \
  --artifacts-path "$STAGE/build" -p:PublishReadyToRun=true -p:DebugType=none -nologo -v q -o "$STAGE/package" >&2 ||
  die "dotnet publish failed; see the errors above."
# Settings come from the app's configuration in Azure, never from a file in the package.
find "$STAGE/package" -name 'local.settings*.json' -delete

mkdir -p "$(dirname "$OUTPUT")"
rm -f "$OUTPUT"
log "Zipping into ${OUTPUT#"$PWD"/}"
(cd "$STAGE/package" && zip -q -r -X "$OUTPUT" .) || die "zip failed."
echo "$OUTPUT"
