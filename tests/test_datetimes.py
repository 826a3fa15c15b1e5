"""The one datetime parser (sandbox/contract/datetimes.py): Django's parse_datetime as the real server's Python 3.10
runs it, shared by DRF's DateTimeField (`join_at`) and every list filter (docs/contract/ids-and-time.md#ids-and-time,
docs/contract/pagination.md#pagination, docs/contract/calendars.md#list-calendar-events)."""

from datetime import datetime, timedelta, timezone

import pytest

from sandbox.contract.datetimes import (
    add_years,
    format_api_datetime,
    format_webhook_datetime,
    parse_datetime,
    parse_filter_datetime,
    parse_query_datetime,
    to_stored,
)
from sandbox.contract.drf import DateTimeField, Serializer, ValidationError
from sandbox.contract.errors import AttendeeError

UTC = timezone.utc


def at(*parts, tz=None):
    return datetime(*parts, tzinfo=tz)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 3.10's fromisoformat
        ("2024-01-18", at(2024, 1, 18)),
        ("2024-01-18T12", at(2024, 1, 18, 12)),
        ("2024-01-18T12:34", at(2024, 1, 18, 12, 34)),
        ("2024-01-18T12:34:56.789", at(2024, 1, 18, 12, 34, 56, 789000)),
        ("2024-01-18T12:34:56.123456+02:00", at(2024, 1, 18, 12, 34, 56, 123456, tz=timezone(timedelta(hours=2)))),
        ("2024-01-18X12:00", at(2024, 1, 18, 12)),  # any one separator character
        ("2024-01-18T12:00:00+05:30:15", at(2024, 1, 18, 12, tz=timezone(timedelta(hours=5, minutes=30, seconds=15)))),
        # Django's regex, when fromisoformat refuses
        ("2024-01-18T12:00Z", at(2024, 1, 18, 12, tz=UTC)),
        ("2024-1-8 1:2", at(2024, 1, 8, 1, 2)),
        ("2024-01-18T12:00:00.1234", at(2024, 1, 18, 12, 0, 0, 123400)),
        ("2024-01-18T12:00:00,5", at(2024, 1, 18, 12, 0, 0, 500000)),
        ("2024-01-18T12:00:00.123456789", at(2024, 1, 18, 12, 0, 0, 123456)),
        ("2024-01-18T12:00:00+0530", at(2024, 1, 18, 12, tz=timezone(timedelta(hours=5, minutes=30)))),
        ("2024-01-18T12:00:00-05", at(2024, 1, 18, 12, tz=timezone(timedelta(hours=-5)))),
        ("2024-01-18T12:00 Z", at(2024, 1, 18, 12, tz=UTC)),
        ("2024-01-18T12:00\n", at(2024, 1, 18, 12)),  # `$` allows a final newline
        ("\uff12\uff10\uff12\uff14-01-18T12:00", at(2024, 1, 18, 12)),  # `\d` is Unicode-aware
    ],
)
def test_the_forms_django_accepts_on_python_3_10(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2024-01-18T1", "2024-01-18T", "2024-02-30", "2024-13-01", "18/01/2024", "2024-01-18T12:00+5"],
)
def test_the_forms_it_refuses(text):
    assert parse_datetime(text) is None


@pytest.mark.parametrize("text", ["2024-01-18T25:00", "2024-02-30T12:00", "2024-01-18T12:00+24:00"])
def test_a_datetime_shaped_text_out_of_range_raises_value_error_as_django_does(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


@pytest.mark.parametrize("text", ["20261204T001803Z", "20240118", "2024-W03-4", "2024-01-18T12:00:00+05:30:15.5"])
def test_forms_only_python_3_11_accepts_are_refused(text):
    """The real server runs 3.10; this runtime is 3.11+, whose fromisoformat takes these."""
    datetime.fromisoformat(text)  # accepted here
    assert parse_datetime(text) is None


def test_a_lone_surrogate_fails_fromisoformat_but_not_at_the_separator():
    assert parse_datetime("2024-01-18\ud80012:00") == at(2024, 1, 18, 12)
    assert parse_datetime("2024-01-18T12:00\ud800") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-18", at(2024, 1, 18, tz=UTC)),  # a bare date: midnight UTC
        ("2024-01-18T12", at(2024, 1, 18, 12, tz=UTC)),
        ("2024-01-18T14:00:00+02:00", at(2024, 1, 18, 12, tz=UTC)),
        ("0001-01-01T00:00+01:00", at(1, 1, 1, tz=timezone(timedelta(hours=1)))),  # before UTC's year 1: kept aware
    ],
)
def test_a_query_datetime_is_aware_and_utc_when_it_has_no_offset(text, expected):
    parsed = parse_query_datetime(text)
    assert parsed == expected and parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["yesterday", "2024-01-18T25:00", "2024-01-18T12:00:00 02:00", "20261204T001803Z"])
def test_a_bad_filter_gives_that_filters_own_message(text):
    with pytest.raises(AttendeeError) as caught:
        parse_filter_datetime("updated_after", text)
    assert caught.value.body() == {
        "error": "Invalid updated_after format. Use ISO 8601 format (e.g., 2024-01-18T12:34:56Z)"
    }


@pytest.mark.parametrize("value", [None, ""])
def test_an_empty_filter_means_no_filter(value):
    assert parse_filter_datetime("join_at_after", value) is None


class _JoinAt(Serializer):
    join_at = DateTimeField()


@pytest.mark.parametrize("text", ["2027-01-18", "2027-01-18T12", "2027-01-18T12:00Z", "2027-01-18X12:00+01:00"])
def test_join_at_and_the_filters_accept_the_same_forms(text):
    """The drift this parser settles: `2024-01-18T12` used to be a valid join_at but a refused filter."""
    assert _JoinAt().load({"join_at": text})["join_at"] == parse_filter_datetime("join_at_after", text)


def test_join_at_refuses_what_the_filters_refuse():
    with pytest.raises(ValidationError) as caught:
        _JoinAt().load({"join_at": "20261204T001803Z"})
    assert caught.value.messages == {
        "join_at": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ]
    }
    assert parse_query_datetime("20261204T001803Z") is None


def test_output_formats_drop_the_fraction_only_when_it_is_zero():
    moment = at(2026, 11, 30, 11, 22, 6, 771543, tz=UTC)
    assert format_api_datetime(moment) == "2026-11-30T11:22:06.771543Z"
    assert format_api_datetime(moment.replace(microsecond=0)) == "2026-11-30T11:22:06Z"
    assert format_webhook_datetime(to_stored(moment)) == "2026-11-30T11:22:06.771543+00:00"
    assert (
        format_api_datetime(to_stored(moment.astimezone(timezone(timedelta(hours=2))))) == "2026-11-30T11:22:06.771543Z"
    )


def test_three_years_from_the_29th_of_february_is_the_28th():
    assert add_years(at(2028, 2, 29, tz=UTC), 3) == at(2031, 2, 28, tz=UTC)
