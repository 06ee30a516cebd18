#!/usr/bin/env bash
# `make lint-spec`: lints openapi/openapi.json with Redocly (its recommended rules) and Spectral (spectral:oas), both
# pinned in clients/lint/package-lock.json (npm ci), and fails on any error or warning. A rule turned off is turned off
# in clients/lint/redocly.yaml or .spectral.yaml with its reason. Needs node and npm (installed with apt-get as root).
# About 40 s on a clean clone (the install), 10 s after.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/clients/lint"
spec="$root/openapi/openapi.json"
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "lint-spec: installing node and npm with apt-get" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "lint-spec: npm is not installed (apt-get install -y nodejs npm)" >&2
        exit 1
    fi
fi
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
status=0

# Redocly: exit status 1 on errors only, so the totals of its JSON report decide.
report=$(npx --no-install redocly lint "$spec" --config redocly.yaml --format=json 2>/dev/null || true)
totals=$(python3 -c 'import json, sys; t = json.loads(sys.stdin.read())["totals"]; print(t["errors"], t["warnings"])' <<<"$report") || {
    echo "lint-spec: Redocly produced no report" >&2
    npx --no-install redocly lint "$spec" --config redocly.yaml >&2 || true
    exit 1
}
read -r errors warnings <<<"$totals"
if ((errors + warnings > 0)); then
    echo "lint-spec: Redocly: $errors errors, $warnings warnings" >&2
    npx --no-install redocly lint "$spec" --config redocly.yaml --format=codeframe >&2 || true
    status=1
else
    echo "lint-spec: Redocly (recommended): 0 errors, 0 warnings"
fi

# Spectral: --fail-severity=warn makes a warning fail too.
if npx --no-install spectral lint "$spec" --ruleset .spectral.yaml --fail-severity=warn --format=text >&2; then
    echo "lint-spec: Spectral (spectral:oas): 0 errors, 0 warnings"
else
    echo "lint-spec: Spectral found problems (above)" >&2
    status=1
fi
exit $status
