#!/usr/bin/env bash
# `make check-logs`: no personal data in the logs (goal G16). Runs the integration tests once with TEST_LOG=1 (the
# harness then installs the service's JSON subscriber, so every request of every test is logged as in production),
# captures stdout and stderr, and fails, printing the offending lines, if any line holds:
#   - an 18-digit number (a NIP),
#   - a JWT (`eyJ...` followed by a dot),
#   - a service-account secret (`bimtek_cs_...`),
#   - the test password, a demo password or the test JWT secret,
#   - the name of a demo officer (from src/service/demo.rs).
#
#   scripts/check-logs.sh                  the whole integration suite (tests/api), TEST_THREADS (4) at a time
#   scripts/check-logs.sh participants::   only the tests whose name contains `participants::`
#
# The log is kept in target/check-logs/test-run.log (CHECK_LOGS_FILE overrides it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

db_env=$(scripts/db.sh bimtek_test)
eval "$db_env"

log=${CHECK_LOGS_FILE:-target/check-logs/test-run.log}
mkdir -p "$(dirname "$log")"

# Build first, so that compiler output (which may quote test data) stays out of the log.
cargo test --test api --no-run --quiet

echo "running the integration tests with TEST_LOG=1, log in $log"
status=0
# The production filter: RUST_LOG is dropped so that the run logs what a deployed service logs.
env -u RUST_LOG TEST_LOG=1 cargo test --quiet --test api -- --test-threads="${TEST_THREADS:-4}" "$@" \
    >"$log" 2>&1 || status=$?
if ((status != 0)); then
    echo "the test run failed (exit $status); its panics:" >&2
    grep -v '^{"timestamp' "$log" | grep -A 6 "panicked at" | head -n 80 >&2 || true
    echo "and its end:" >&2
    grep -v '^{"timestamp' "$log" | tail -n 40 >&2
    exit "$status"
fi

# The run must have logged requests, or the check below proves nothing.
requests=$(grep -c '"message":"request completed"' "$log" || true)
if ((requests < 100)); then
    echo "only $requests request lines in $log: is TEST_LOG still honoured by tests/api/helpers.rs?" >&2
    exit 1
fi

patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
{
    # test-harness secrets
    sed -n 's/^pub const \(PASSWORD\|TEST_SECRET\): &str = "\(.*\)";$/\2/p' tests/api/helpers.rs
    # the test key of the webhook secrets at rest (the line after its name: rustfmt wraps it)
    sed -n '/^pub const TEST_WEBHOOK_KEY: &str =$/{n;s/^ *"\(.*\)";$/\1/p}' tests/api/helpers.rs
    # the webhook tests' signing secret
    sed -n 's/^pub const SECRET: &str = "\(.*\)";$/\1/p' tests/api/webhooks.rs
    # demo passwords
    sed -n 's/^ *password: "\(.*\)",$/\1/p' src/service/demo.rs
    # demo officers: the quoted line after each quoted 18-digit NIP
    awk '/^ *"[0-9]{18}",$/ { getline name; print name }' src/service/demo.rs | sed -n 's/^ *"\(.*\)",$/\1/p'
} | sort -u >"$patterns"
if (($(wc -l <"$patterns") < 20)); then
    echo "could not read the secrets and demo names to look for (found $(wc -l <"$patterns"))" >&2
    exit 1
fi

found=0
report() {
    local what=$1
    shift
    local hits
    hits=$(grep -n "$@" "$log" || true)
    if [[ -n $hits ]]; then
        found=1
        printf '\n%s (%s lines):\n' "$what" "$(wc -l <<<"$hits")" >&2
        head -n 20 <<<"$hits" | cut -c1-400 >&2
    fi
}
# (not the digits of a fraction: `0.053269000000000004` is a float's binary tail)
report 'NIP-like 18-digit numbers' -E '(^|[^0-9.])[0-9]{18}([^0-9]|$)'
report 'JWTs' -E 'eyJ[A-Za-z0-9_-]+\.'
report 'client secrets' -F 'bimtek_cs_'
report 'passwords, secrets or demo officer names' -F -f "$patterns"

if ((found)); then
    echo >&2
    echo "personal data or secrets in the logs of the test run ($log)" >&2
    exit 1
fi
echo "check-logs: $requests request lines, no NIP, token, password or demo name in $(wc -l <"$log") log lines"
