#!/usr/bin/env bash
# The service boundary (ARCHITECTURE.md): `api/` speaks HTTP only and never reaches into `repo/` or `db`; no handler
# decides authorization itself; no stored vocabulary value is parsed again after the database. Each grep must find
# nothing. `make lint` and `.ci/run` call this.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

status=0
check() {
    local what=$1
    shift
    local found
    found=$(grep -rn "$@" || true)
    if [[ -n $found ]]; then
        printf 'boundary: %s\n%s\n' "$what" "$found" >&2
        status=1
    fi
}
check 'src/api imports the repositories' 'crate::repo' src/api
check 'src/api opens database connections' -E 'crate::db\b|db::(run|read)\(' src/api
check 'a handler gates by role itself (services authorize)' '\.require(&\[' src/api
check 'a stored value is parsed again after the database (type the row)' 'internal_msg("unknown' src
if ((status == 0)); then
    echo 'boundary: sealed (api -> service -> repo)'
fi
exit $status
