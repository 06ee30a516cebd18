"""Custom schemathesis checks for bimtek-api (loaded by scripts/schemathesis.sh via SCHEMATHESIS_HOOKS)."""

import re
import uuid

import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import use_after_free as builtin_use_after_free

# Field error codes that a schema cannot express: the value is well formed, but refers to something that does
# not exist (or no longer exists) in the database.
REFERENCE_CODES = {"unknown_reference"}

# Rules about the state of a referenced object, as (field, code): the id is well formed and names an object, but
# that object may not be used here.
STATE_RULES = {
    ("parent_id", "archived"),  # the parent unit is archived
    ("parent_id", "invalid_parent"),  # the parent is not of the type the hierarchy needs
    ("parent_id", "cycle"),  # the parent is the unit itself or one of its descendants
    ("since", "invalid_cursor"),  # a change-feed cursor is opaque and signed: only ones the service issued pass
    ("url", "webhook_url_forbidden"),
    # participant accounts: an officer named who cannot get one (another unit, not of the organizer's events,
    # erased, archived, without NIP, linked to an account of another role or a deactivated one)
    ("participant_id", "other_unit"),
    ("participant_id", "forbidden"),
    ("participant_id", "participant_erased"),
    ("participant_id", "archived"),
    ("participant_id", "no_nip"),
    ("participant_id", "not_a_participant_account"),
    ("participant_id", "account_inactive"),
    # an officer or enrollment named in a sheet (attendance, scores) must be approved in the event
    ("records[].participant_id", "not_enrolled"),
    ("items[].enrollment_id", "not_enrolled"),
    ("url", "forbidden_address"),  # the webhook host resolves to a private, loopback or link-local address (SSRF)
    ("url", "unresolvable_host"),  # the webhook host name does not resolve (DNS is the world's state)  # the host resolves to a private, loopback or link-local address (SSRF)
}

# Problem codes that answer the state of the run, not the request: an Idempotency-Key that the generator sends
# again with another request is refused by design (422), whatever the body.
STATE_PROBLEM_CODES = {"idempotency_key_reused"}

# Codes allowed on any field: `invalid_characters` is U+0000 in a string, which PostgreSQL text cannot hold. A
# pattern on every string property of the document would state it, at the cost of every schema's readability.
ANY_FIELD_CODES = {"invalid_characters"}

# The If-Match pattern of the OpenAPI document.
IF_MATCH = re.compile(r'(\*|(W/)?"[0-9]{1,9}")')

# Cross-field rules (each documented in the operation's description and answered with 422), as (field, code):
CROSS_FIELD_RULES = {
    ("ends_on", "out_of_range"),  # an event ends on or after the day it starts
    ("starts_on", "out_of_range"),  # the same, when a patch moves only the start
    ("ends_at", "out_of_range"),  # a session ends after it starts
    ("active_until", "out_of_range"),  # a unit is active until a day on or after active_from
    ("nip", "sex_mismatch"),  # digit 15 of a NIP encodes the sex
    # The NIP's embedded dates: a real calendar day, not in the future, first appointment at least 15 years after
    # birth and not in the future, the PPPK variant without a month. The schema states the 18-digit shape only.
    ("nip", "invalid_birth_date"),
    ("nip", "invalid_appointment_date"),
    ("unit_id", "required"),  # a unit_operator account needs its unit
    ("grade", "not_applicable"),  # a PPPK officer has no civil-service grade
    ("starts_to", "out_of_range"),  # list filter: the range of start days ends on or after it begins (400)
    ("parent_id", "not_allowed"),  # a kanwil is the top of the unit hierarchy
    ("parent_id", "required"),  # every other unit has a parent
    ("unit_id", "duplicate"),  # an event's quotas name each unit once (uniqueItems cannot say "by unit_id")
    ("items[]", "duplicate"),  # a score sheet names each (enrollment, kind) once
    # a score has at most two decimals: `multipleOf: 0.01` would say it, but validators compute it in binary
    # floating point and refuse valid scores (0.07 / 0.01 = 7.000000000000001), so the schema states the range only
    ("items[].score", "too_precise"),
    ("issued_on", "before_event_end"),  # certificates are issued on or after the event's last day
    ("nip", "duplicate_in_file"),  # bulk import: a NIP twice in one file
    ("code", "duplicate_in_file"),  # bulk import: a unit code twice in one file
    # bulk import: a row for a new officer (no officer has its NIP) needs these; an existing officer's row need not
    ("full_name", "required"),
    ("sex", "required"),
    ("employee_type", "required"),
    # bulk import: a unit named by both id and code names one unit
    ("unit_code", "conflicting_reference"),
    ("parent_code", "conflicting_reference"),
    ("external_code", "already_exists"),  # a unit's external code is unique (409 on a single write)
    # an instrument copied from a template into another kind: the template's questions must fit the kind
    ("template_id", "no_scored_question"),
    ("to", "out_of_range"),
    # a template is either copied from an instrument (`from_instrument_id`) or written out: then these are required
    ("title", "required"),
    ("kind", "required"),
    ("questions", "required"),
    ("questions", "no_scored_question"),  # a test needs at least one choice question with a correct option  # audit log filter: the time range ends on or after it begins (400)
    ("url", "invalid_format"),  # webhook URL: http(s), a host, no credentials (beyond the schema's `uri` format)
    # instrument questions: the settings a question may carry depend on its `question_type` (documented)
    ("questions[].settings", "not_applicable"),
    ("questions[].settings.labels", "not_applicable"),
    ("questions[].settings.scale", "not_applicable"),
    ("questions[].settings.options", "not_applicable"),
    ("questions[].settings.min", "not_applicable"),
    ("questions[].settings.max", "not_applicable"),
    ("questions[].settings.max_length", "not_applicable"),
    ("questions[].points", "not_applicable"),
    ("anonymous", "not_applicable"),  # only event and facilitator evaluations may be anonymous (with `kind`)
    # a letterhead logo: the schema states base64 and the size; that the bytes are a PNG or JPEG it cannot
    ("logo", "invalid_image"),
    # participant accounts: either officer ids or all without an account, exactly one; an officer named once
    ("participant_ids", "conflicting_fields"),
    ("all_without_account", "conflicting_fields"),
    ("participant_ids", "required"),
    ("participant_ids[]", "duplicate"),
    # activation: the code is 12 characters of Crockford's base32 (the schema states its length only); a password
    # is not only whitespace
    ("activation_code", "invalid_format"),
    ("password", "invalid_value"),
    # a training record from elsewhere: it ends on or after its start, and not after today (a record is of something
    # done); its scan is a PDF, PNG or JPEG by its content, which a schema of bytes cannot state
    ("ends_on", "before_start"),
    ("ends_on", "in_the_future"),
    ("scan", "unsupported_file_type"),
}

# A row error of a bulk import names its row: `[3].nip` is judged as `nip`.
ROW_PREFIX = re.compile(r"^\[[0-9]+\]\.?")
# Indices inside a field name (`questions[2].settings`) are judged without the number (`questions[].settings`).
INDEX = re.compile(r"\[[0-9]+\]")


@schemathesis.hook
def map_headers(ctx, headers):
    """A fresh Idempotency-Key for every generated request: the generator would otherwise send one key with many
    different requests, which the service rightly refuses (422 `idempotency_key_reused`). Reuse is tested in
    tests/api/idempotency.rs."""
    if headers and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers


@schemathesis.serializer("text/csv")
def csv_serializer(ctx, value):
    """The CSV bodies of the bulk imports are strings in the schema: sent as they are."""
    return value.encode("utf-8") if isinstance(value, str) else str(value).encode("utf-8")


@schemathesis.serializer("application/pdf")
def pdf_serializer(ctx, value):
    """A scan upload is the file itself (binary in the schema): its bytes as they are."""
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8") if isinstance(value, str) else str(value).encode("utf-8")


@schemathesis.check
def bimtek_positive_rejected_only_for_unschematic_rules(ctx, response, case):
    """A schema-valid request may get 400 or 422 only for a rule that a schema cannot state.

    That is: every field error is about a referenced object (missing, or in a state that forbids its use here), or
    is a listed cross-field rule. A 400 or 422 without field errors (malformed JSON, ...) on schema-valid data is
    always a failure.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    # schemathesis 4.32.5 generates some "positive" header values without honouring the header's `pattern` (seen:
    # `If-Match: 0` against ^(\*|(W/)?"[0-9]{1,9}")$). Such a request is not schema-valid, and 400 is the right answer.
    if_match = (case.headers or {}).get("If-Match")
    if response.status_code == 400 and if_match is not None and not IF_MATCH.fullmatch(str(if_match)):
        return None
    # A CSV file's structure (header, quoting, encoding) is not a JSON Schema: its refusals are documented rules.
    media = str(getattr(case, "media_type", "") or "")
    if case.operation.path.endswith("/import") and media.startswith("text/csv"):
        return None
    # The activation page answers a form with HTML in Indonesian, its refusals as messages (documented), not JSON.
    if case.operation.path == "/aktivasi":
        return None
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - any unparsable body is a failure here
        body = None
    if isinstance(body, dict) and body.get("code") in STATE_PROBLEM_CODES:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    pairs = {(INDEX.sub("[]", ROW_PREFIX.sub("", e.get("field") or "")), e.get("code")) for e in errors or [] if isinstance(e, dict)}
    unexplained = {(f, c) for f, c in pairs if c not in REFERENCE_CODES | ANY_FIELD_CODES and (f, c) not in CROSS_FIELD_RULES | STATE_RULES}
    # The settings of a question depend on its `question_type` (documented per type); the schema states each
    # setting's own shape only.
    unexplained = {
        (f, c)
        for f, c in unexplained
        if not f.startswith(("questions[].settings", "questions[].points", "template_id[].settings", "template_id[].points"))
    }
    if pairs and not unexplained:
        return None
    codes = {f"{f}:{c}" for f, c in unexplained}
    raise Failure(
        operation=case.operation.label,
        title="Schema-valid request rejected with 400/422 for a rule missing from the schema",
        message=f"Field error codes {sorted(c for c in codes if c)!r}: add the rule to the OpenAPI schema",
    )


# `DELETE /api/v1/users/{id}` and `DELETE /api/v1/clients/{id}` deactivate the account (documented: accounts are
# never erased, the audit log and the records they wrote refer to them; `PATCH {"is_active": true}` reactivates
# it), so the account stays readable with `is_active: false`. schemathesis's check that a deleted resource is gone
# (ST301) is replaced by one that judges every other resource as before; the per-operation switch of the config
# file does not reach the stateful phase.
ACCOUNTS = re.compile(r"^/api/v1/(users|clients)/\{id\}$")
CHECKS.unregister("use_after_free")


@schemathesis.check
def use_after_free(ctx, response, case):
    """A deleted resource is gone, except an account, which DELETE deactivates."""
    if ACCOUNTS.match(case.operation.path):
        return None
    return builtin_use_after_free(ctx, response, case)
