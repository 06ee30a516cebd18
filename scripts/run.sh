#!/usr/bin/env bash
# `make run`: finds or starts PostgreSQL (scripts/db.sh), builds the release binary, loads the demo data and serves
# the API in development mode on http://127.0.0.1:8080 (PORT overrides the port).
#
# Variables you set yourself are kept: APP_ENV, LOG_FORMAT, HOST, PORT, JWT_SECRET / JWT_SECRET_FILE (without a
# secret, development mode generates a random one per process: tokens do not survive a restart), DATABASE_URL
# (then no database is started; see scripts/db.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Printed documents (certificates, attendance lists) embed DejaVu Sans from Debian's `fonts-dejavu-core` (or the
# fonts in PDF_FONT_DIR); the service refuses to start without them: install the package when missing.
if [[ -z ${PDF_FONT_DIR:-} && ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "$(basename "$0"): error: fonts-dejavu-core is missing and root is needed to install it (apt-get install -y fonts-dejavu-core)" >&2
        exit 1
    fi
    command -v apt-get >/dev/null 2>&1 ||
        { echo "$(basename "$0"): error: fonts-dejavu-core is missing and apt-get is not available: install DejaVu Sans or set PDF_FONT_DIR" >&2; exit 1; }
    echo "$(basename "$0"): installing fonts-dejavu-core with apt-get (the fonts of printed documents)" >&2
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-dejavu-core >&2
fi

# Assigned first, so that a failure of db.sh stops this script (`eval "$(...)"` would hide it).
db_env=$(scripts/db.sh bimtek)
eval "$db_env"

export APP_ENV=${APP_ENV:-development}
export LOG_FORMAT=${LOG_FORMAT:-pretty}
export HOST=${HOST:-127.0.0.1}
export PORT=${PORT:-8080}

cargo build --release
bin=target/release/bimtek-api

echo
"$bin" seed-demo
echo

case $HOST in
0.0.0.0 | :: | '[::]') shown_host=127.0.0.1 ;;
*:*) shown_host="[$HOST]" ;;
*) shown_host=$HOST ;;
esac
base="http://$shown_host:$PORT"
# Without the query string, and without the password should DATABASE_URL carry one.
shown_db=$(printf '%s' "${DATABASE_URL%%\?*}" | sed -E 's#^([a-z]+://[^:/@]*):[^@/]*@#\1:***@#')
cat <<MSG
API:              $base  (health: $base/health/ready)
Swagger UI:       $base/swagger-ui/
OpenAPI document: $base/api-docs/openapi.json
Database:         $shown_db

Log in as the demo admin (other demo logins above):
  curl -sS -X POST $base/api/v1/auth/login -H 'Content-Type: application/json' -d '{"username":"admin","password":"admin-demo-2025"}'

Stop the server with Ctrl-C; stop the private PostgreSQL cluster, if one was started, with: make db-stop

MSG

exec "$bin" serve
