"""OrjsonTranscoder keeps every type our events use, nested, through bytes and back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.domain import Aggregate, event
from hypothesis import given
from hypothesis import strategies as st

from infra.transcoder import OrjsonTranscoder

T = OrjsonTranscoder()


class Rating(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"


class Level(IntEnum):
    ONE = 1
    TWO = 2


class Colour(Enum):
    RED = ("r", 1)


@dataclass(frozen=True)
class Decision:
    number: str
    signed_on: date
    rating: Rating | None = None


@dataclass(frozen=True)
class Holding:
    decision: Decision
    titles: tuple[UUID, ...]
    salary: Decimal

    def __post_init__(self) -> None:
        # Decoding must not re-run validation: history loads even if rules got stricter.
        if self.salary < 0:
            raise ValueError("negative salary")


def roundtrip(value: Any) -> Any:
    return T.decode(T.encode(value))


@pytest.mark.parametrize(
    "value",
    [
        date(2022, 6, 30),
        datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 1, 1, 7, 0, tzinfo=timezone(timedelta(hours=7))),
        UUID("12345678-1234-5678-1234-567812345678"),
        Decimal("12.3400"),
        Decimal("-1E+3"),
        Rating.EXCELLENT,
        Level.TWO,
        Colour.RED,
        Decision("12/QĐ-UBND", date(2020, 1, 2), Rating.GOOD),
        (1, "a", None),
        (),
        b"\x00\xffbytes",
        frozenset({1, 2}),
        {"_t": "not a tag", "v": 1},
        {1: "int key", UUID(int=5): "uuid key"},
        "chuỗi tiếng Việt",
        True,
        0,
        -(2**63),
        1.5,
        None,
    ],
)
def test_each_type_round_trips_with_its_type(value: Any) -> None:
    back = roundtrip(value)
    assert back == value
    assert type(back) is type(value)


def test_nested_value_objects_and_containers() -> None:
    holding = Holding(
        decision=Decision("1/QĐ", date(2021, 3, 4), Rating.EXCELLENT),
        titles=(uuid4(), uuid4()),
        salary=Decimal("4.98"),
    )
    state = {"holdings": [holding, {"k": [holding, (date(2000, 1, 1),)]}], "n": None}
    back = roundtrip(state)
    assert back == state
    assert type(back["holdings"][0].decision.rating) is Rating
    assert type(back["holdings"][1]["k"][1][0]) is date
    assert type(back["holdings"][0].titles) is tuple


def test_dataclass_decoding_does_not_rerun_validation() -> None:
    bad = object.__new__(Holding)
    for name, value in (("decision", None), ("titles", ()), ("salary", Decimal(-1))):
        object.__setattr__(bad, name, value)
    assert roundtrip(bad).salary == Decimal(-1)


def test_datetime_is_distinguished_from_date_and_stays_aware() -> None:
    now = datetime(2026, 11, 24, 17, 30, 0, 123456, tzinfo=UTC)
    back = roundtrip({"d": now.date(), "t": now})
    assert type(back["d"]) is date and type(back["t"]) is datetime
    assert back["t"].tzinfo is not None and back["t"].utcoffset() == timedelta(0)


def test_eventsourcing_timestamp_comes_back_aware_utc() -> None:
    class Thing(Aggregate):
        @event("Made")
        def __init__(self, on: date) -> None:
            self.on = on

    made = Thing(on=date(2023, 4, 5)).collect_events()[0]
    state = dict(vars(made))
    back = roundtrip(state)
    assert back == state
    assert back["timestamp"].tzinfo is not None
    assert back["timestamp"].utcoffset() == timedelta(0)


def test_output_is_plain_json_and_readable() -> None:
    data = orjson.loads(T.encode({"on": date(2022, 6, 30), "rating": Rating.GOOD}))
    assert data["on"] == {"_t": "date", "v": "2022-06-30"}
    assert data["rating"]["_t"] == "enum" and data["rating"]["v"] == "good"


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot store"):
        T.encode({"x": object()})
    with pytest.raises(TypeError):
        T.encode({"x": {1, 2}})
    with pytest.raises(TypeError):
        T.encode(2**64)  # orjson is limited to 64-bit integers


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=7))])),
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(list(Rating) + list(Level) + list(Colour)),
    st.binary(max_size=64),
    st.builds(Decision, st.text(), st.dates(), st.none() | st.sampled_from(list(Rating))),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=8), inner, max_size=5),
        st.dictionaries(st.uuids() | st.integers(0, 9), inner, max_size=3),
    ),
    max_leaves=25,
)


@given(values)
def test_any_supported_tree_round_trips(value: Any) -> None:
    back = roundtrip(value)
    assert back == value
    assert _types(back) == _types(value)


def _types(value: Any) -> Any:
    """The shape of a value with the type at every node, to compare beyond ==."""
    if isinstance(value, dict):
        return (dict, sorted((repr(k), _types(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), [_types(v) for v in value])
    return type(value)
