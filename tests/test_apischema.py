"""The JSON input types every domain shares: strings parse, naive times and numbers do not."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from orchestre.apischema import AwareDatetime, InputModel, LaxDate, LaxUUID, problems


class _Body(InputModel):
    id: LaxUUID
    on: LaxDate | None = None
    at: AwareDatetime | None = None
    count: int = 0


def test_ids_dates_and_times_parse_from_their_json_strings() -> None:
    raw_id = uuid.uuid4()
    body = _Body.model_validate(
        {"id": str(raw_id), "on": "2030-03-15", "at": "2030-03-15T10:00:00+01:00"}
    )
    assert body.id == raw_id
    assert body.on == date(2030, 3, 15)
    assert body.at == datetime(2030, 3, 15, 9, 0, tzinfo=UTC)


def test_other_fields_stay_strict() -> None:
    with pytest.raises(ValidationError):
        _Body.model_validate({"id": str(uuid.uuid4()), "count": "3"})


@pytest.mark.parametrize(
    ("value", "says"),
    [("2030-03-15T10:00:00", "no time zone"), (1900000000, "ISO 8601")],
)
def test_a_time_without_zone_or_given_as_a_number_is_refused(value: object, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _Body.model_validate({"id": str(uuid.uuid4()), "at": value})
    assert says in refused.value.errors()[0]["msg"]


def test_workspace_routes_always_document_401_403_404() -> None:
    assert sorted(problems(409)) == [401, 403, 404, 409]
    assert sorted(problems(401, 429, in_workspace=False)) == [401, 429]
    assert problems(described={404: "No such post"})[404]["description"] == "No such post"
