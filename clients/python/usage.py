"""A short usage of the Python client generated from openapi/openapi.json (scripts/python-client.sh), run against
the service with the demo data: log in, read the caller, list, create, and handle problem documents. Every answer
is parsed by the generated models, which refuse one that lacks a required field or has a value outside an enum:
a spec that says more (or other) than the server sends fails here.

Usage: python usage.py BASE_URL (the generated package `bimtek_client` on PYTHONPATH).
"""

import sys
import uuid

from bimtek_client import AuthenticatedClient, Client
from bimtek_client.api.auth import login, me
from bimtek_client.api.participants import get_participant, list_participants, participant_trainings
from bimtek_client.api.programs import create_program
from bimtek_client.api.units import list_units
from bimtek_client.models import (
    CreateProgramRequest,
    LoginRequest,
    MeResponse,
    PageParticipantResponse,
    PageTranscriptLine,
    PageUnitResponse,
    ParticipantResponse,
    Problem,
    ProblemCode,
    ProgramResponse,
    TokenResponse,
)


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"python-client: {what}")


def main(base: str) -> None:
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    token = login.sync(client=anonymous, body=LoginRequest(username="admin", password="admin-demo-2025"))
    check(isinstance(token, TokenResponse), f"login answered {token!r}")
    assert isinstance(token, TokenResponse)
    client = AuthenticatedClient(base_url=base, token=token.access_token, raise_on_unexpected_status=True)

    caller = me.sync(client=client)
    check(isinstance(caller, MeResponse) and caller.username == "admin", f"me answered {caller!r}")

    units = list_units.sync(client=client, limit=100)
    check(isinstance(units, PageUnitResponse) and units.total >= 7, f"units answered {units!r}")
    assert isinstance(units, PageUnitResponse)

    officers = list_participants.sync(client=client, limit=100)
    check(isinstance(officers, PageParticipantResponse) and officers.total > 0, f"participants answered {officers!r}")
    assert isinstance(officers, PageParticipantResponse)
    for officer in officers.items:
        check(isinstance(officer, ParticipantResponse), f"a page item is {type(officer)}")
        one = get_participant.sync(id=officer.id, client=client)
        check(isinstance(one, ParticipantResponse) and one.id == officer.id, f"participant answered {one!r}")
        transcript = participant_trainings.sync(id=officer.id, client=client)
        check(isinstance(transcript, PageTranscriptLine), f"trainings answered {transcript!r}")

    name = f"Program klien Python {uuid.uuid4().hex[:8]}"
    created = create_program.sync_detailed(client=client, body=CreateProgramRequest(name=name, year=2026))
    check(created.status_code == 201 and isinstance(created.parsed, ProgramResponse), f"create answered {created}")
    assert isinstance(created.parsed, ProgramResponse)
    check(created.parsed.name == name, "the created program has another name")

    # Problems: a 404 and a 422 naming every offending field, with their codes as the enum of the spec.
    missing = get_participant.sync_detailed(id=uuid.uuid4(), client=client)
    check(missing.status_code == 404 and isinstance(missing.parsed, Problem), f"unknown id answered {missing}")
    assert isinstance(missing.parsed, Problem)
    check(missing.parsed.code == ProblemCode.NOT_FOUND, f"the code is {missing.parsed.code}")
    refused = create_program.sync_detailed(client=client, body=CreateProgramRequest(name=" ", year=1999))
    check(refused.status_code == 422 and isinstance(refused.parsed, Problem), f"bad program answered {refused}")
    assert isinstance(refused.parsed, Problem)
    check(refused.parsed.code == ProblemCode.VALIDATION_FAILED, f"the code is {refused.parsed.code}")
    fields = sorted(e.field for e in refused.parsed.errors) if refused.parsed.errors else []
    check(fields == ["name", "year"], f"the 422 names {fields}")
    print(f"python-client: {officers.total} officers, {units.total} units read, a program created, 404 and 422 parsed")


if __name__ == "__main__":
    main(sys.argv[1])
