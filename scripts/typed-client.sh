#!/usr/bin/env bash
# Proof that the OpenAPI document serves its clients: installs the pinned generator and compiler from the committed
# package-lock.json (npm ci), generates TypeScript types from openapi/openapi.json with openapi-typescript, and
# compiles a small usage file (clients/typescript/src/usage.ts) that calls a few endpoints through openapi-fetch.
# A breaking change of the spec (a renamed path, field or enum value) fails the compile. Needs node and npm.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/clients/typescript"
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "typed-client: installing node and npm with apt-get" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "typed-client: npm is not installed (apt-get install -y nodejs npm)" >&2
        exit 1
    fi
fi
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error
npx --no-install openapi-typescript "$root/openapi/openapi.json" --output src/schema.d.ts
npx --no-install tsc --noEmit -p tsconfig.json
echo "typed-client: src/usage.ts compiles against the types generated from openapi/openapi.json"
