#!/usr/bin/env bash
# `make test`: finds or starts PostgreSQL (scripts/db.sh), exports DATABASE_URL and runs the whole test suite.
# The test harness connects to that server and creates one database per test from a template.
#
#   scripts/test.sh                          every target (unit + integration tests), TEST_THREADS (4) at a time
#   scripts/test.sh login                    only tests whose name contains `login`
#   scripts/test.sh --test api -- --nocapture
#
# Arguments before a `--` go to cargo (after `cargo test`), arguments after it to the test harness. When they name
# targets themselves (--test, --lib, ...), --all-targets is not added.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The tests of the public certificate page load it in headless Chromium (Debian's `chromium` package) and fail
# without it: install it when missing, as root or through sudo (like scripts/db.sh installs PostgreSQL).
if ! command -v chromium >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo 'test.sh: error: chromium is missing and root is needed to install it (apt-get install -y chromium)' >&2
        exit 1
    fi
    command -v apt-get >/dev/null 2>&1 ||
        { echo 'test.sh: error: chromium is missing and apt-get is not available: install chromium' >&2; exit 1; }
    echo 'test.sh: installing chromium with apt-get (for the headless-browser tests)' >&2
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2
fi

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
db_env=$(scripts/db.sh bimtek_test)
eval "$db_env"

cargo_args=()
harness_args=()
after_separator=0
for arg in "$@"; do
    if ((after_separator)); then
        harness_args+=("$arg")
    elif [[ $arg == -- ]]; then
        after_separator=1
    else
        cargo_args+=("$arg")
    fi
done

targets=(--all-targets)
for arg in "${cargo_args[@]}"; do
    case $arg in
    --all-targets | --lib | --bins | --bin | --bin=* | --tests | --test | --test=* | --examples | --example | \
        --example=* | --benches | --bench | --bench=* | --doc)
        targets=()
        ;;
    esac
done

exec cargo test "${targets[@]}" "${cargo_args[@]}" -- --test-threads="${TEST_THREADS:-4}" "${harness_args[@]}"
