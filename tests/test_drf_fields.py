"""The DRF-style toolkit on marshmallow (sandbox/contract/drf.py): each test is one of DRF's rules, checked on small
serializers declared here, then on the real request serializers (their OpenAPI limits are the enforced ones)."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from openapi_spec_validator import validate as validate_openapi_document

from sandbox.contract import messages as msg
from sandbox.contract.drf import (
    BooleanField,
    CharField,
    ChoiceField,
    DateTimeField,
    DictField,
    IntegerField,
    JSONField,
    JsonSchemaField,
    Nested,
    Serializer,
    URLField,
    ValidationError,
    to_openapi,
)
from sandbox.contract.openapi import build_openapi
from sandbox.contract.requests.bots import BotChatMessage, BotImage, CreateBot, PatchBot
from sandbox.contract.requests.commands import (
    OutputVideo,
    PatchTranscriptionSettings,
    PatchVoiceAgentSettings,
    Speech,
)
from sandbox.contract.requests.transcripts import CreateAsyncTranscription

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)


def errors(serializer, body, **context):
    with pytest.raises(ValidationError) as caught:
        serializer.load(body, context=context)
    return caught.value.messages


# -- serializers ---------------------------------------------------------------------------------------


class Point(Serializer):
    x = IntegerField()
    y = IntegerField()


class Shape(Serializer):
    name = CharField(max_length=5)
    kind = ChoiceField(["circle", "square"])
    origin = Nested(Point, required=False)
    checked = []

    def validate_object(self, data):
        Shape.checked.append(dict(data))
        if data["kind"] == "circle" and data["name"] == "box":
            raise ValidationError("A circle cannot be called box.")
        if data["kind"] == "square" and data["name"] == "ring":
            raise ValidationError({"name": "A square cannot be called ring."})


class StrictShape(Shape):
    reject_unknown_fields = True


def test_errors_are_keyed_in_declaration_order():
    assert list(errors(Shape(), {"origin": [], "kind": "x", "name": "too long"})) == ["name", "kind", "origin"]
    assert list(errors(Shape(), {"kind": "x"})) == ["name", "kind"]


def test_a_nested_serializer_gives_a_nested_error_map():
    assert errors(Shape(), {"name": "a", "kind": "circle", "origin": {"x": "one"}}) == {
        "origin": {"x": [msg.NOT_AN_INTEGER], "y": [msg.REQUIRED]}
    }


def test_a_nested_value_that_is_not_an_object_gives_non_field_errors_under_the_field():
    assert errors(Shape(), {"name": "a", "kind": "circle", "origin": [1, 2]}) == {
        "origin": {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    }


@pytest.mark.parametrize(
    ("body", "type_name"), [([], "list"), ("x", "str"), (1, "int"), (1.5, "float"), (True, "bool")]
)
def test_a_body_that_is_not_an_object_names_its_python_type(body, type_name):
    assert errors(Shape(), body) == {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type_name}."]}


def test_a_null_body_gives_no_data_provided():
    assert errors(Shape(), None) == {"non_field_errors": ["No data provided"]}


def test_validate_object_runs_only_when_every_field_is_valid():
    Shape.checked.clear()
    errors(Shape(), {"name": "box", "kind": "triangle"})
    assert Shape.checked == []
    errors(Shape(), {"name": "box", "kind": "circle"})
    assert Shape.checked == [{"name": "box", "kind": "circle"}]


def test_validate_object_messages_go_under_non_field_errors():
    assert errors(Shape(), {"name": "box", "kind": "circle"}) == {
        "non_field_errors": ["A circle cannot be called box."]
    }


def test_validate_object_field_messages_become_lists():
    assert errors(Shape(), {"name": "ring", "kind": "square"}) == {"name": ["A square cannot be called ring."]}


def test_unknown_fields_are_ignored_unless_the_serializer_refuses_them():
    assert Shape().load({"name": "a", "kind": "circle", "colour": "red"}) == {"name": "a", "kind": "circle"}


def test_unknown_fields_are_reported_only_when_every_field_is_valid():
    assert errors(StrictShape(), {"name": "a", "kind": "x", "colour": "red"}) == {
        "kind": ['"x" is not a valid choice.']
    }
    assert errors(StrictShape(), {"name": "a", "kind": "circle", "size": 1, "colour": "red"}) == {
        "non_field_errors": ["Unexpected field(s): colour, size. Allowed fields are: kind, name, origin"]
    }


def test_unknown_fields_are_checked_before_validate_object():
    assert errors(StrictShape(), {"name": "box", "kind": "circle", "colour": "red"}) == {
        "non_field_errors": ["Unexpected field(s): colour. Allowed fields are: kind, name, origin"]
    }


# -- the order of one field's checks ---------------------------------------------------------------------


class Named(Serializer):
    name = CharField(max_length=3, required=False, allow_null=True)
    note = CharField(required=False, allow_blank=True)
    seen = []

    def validate_name(self, value):
        Named.seen.append(value)
        if value == "bad":
            raise ValidationError("Bad name.")
        return value.upper() if value else value


def test_a_required_field_that_is_missing_is_required():
    assert errors(Point(), {"x": 1}) == {"y": ["This field is required."]}


def test_null_is_refused_unless_allowed():
    assert errors(Point(), {"x": None, "y": 1}) == {"x": ["This field may not be null."]}
    assert Named().load({"name": None}) == {"name": None}


def test_a_blank_string_is_tested_before_anything_else():
    assert errors(Named(), {"name": "   "}) == {"name": ["This field may not be blank."]}
    assert Named().load({"note": "  "}) == {"note": ""}


def test_a_char_field_trims_whitespace_and_turns_numbers_into_strings():
    assert Named().load({"name": " ab ", "note": 1.5}) == {"name": "AB", "note": "1.5"}


@pytest.mark.parametrize("value", [True, [], {}, ["a"]])
def test_a_char_field_refuses_booleans_lists_and_objects(value):
    assert errors(Named(), {"note": value}) == {"note": ["Not a valid string."]}


def test_accept_numbers_false_refuses_numbers_too():
    class Strict(Serializer):
        url = CharField(accept_numbers=False)

    assert errors(Strict(), {"url": 12}) == {"url": ["Not a valid string."]}


def test_every_validator_of_a_field_reports_in_order():
    assert errors(Named(), {"name": "a\x00\udfffb"}) == {
        "name": [
            "Ensure this field has no more than 3 characters.",
            "Null characters are not allowed.",
            "Surrogate characters are not allowed: U+DFFF.",
        ]
    }


def test_validate_field_runs_after_the_field_checks_and_its_value_is_kept():
    Named.seen.clear()
    assert errors(Named(), {"name": "long name"}) == {"name": ["Ensure this field has no more than 3 characters."]}
    assert Named.seen == []
    assert errors(Named(), {"name": "bad"}) == {"name": ["Bad name."]}
    assert Named().load({"name": "abc"}) == {"name": "ABC"}


def test_a_missing_optional_field_without_a_default_is_left_out():
    assert Named().load({}) == {}


def test_a_default_skips_the_field_checks_but_still_goes_through_validate_field():
    class Defaults(Serializer):
        size = IntegerField(max_value=5, default=10)
        tags = JSONField(default=list)

        def validate_size(self, value):
            return value + 1

    first = Defaults().load({})
    assert first == {"size": 11, "tags": []}
    first["tags"].append("x")
    assert Defaults().load({}) == {"size": 11, "tags": []}  # each request gets its own default


def test_validate_field_errors_keep_their_shape():
    class Recording(Serializer):
        recording = JSONField()

        def validate_recording(self, value):
            if value.get("format") == "wav":
                raise ValidationError({"format": "Format must be mp4 or mp3 or 'none'"})
            raise ValidationError("Anything else is refused.")

    assert errors(Recording(), {"recording": {"format": "wav"}}) == {
        "recording": {"format": "Format must be mp4 or mp3 or 'none'"}
    }
    assert errors(Recording(), {"recording": {}}) == {"recording": ["Anything else is refused."]}


def test_a_validator_raising_a_map_stops_the_field_there():
    def nested(value):
        raise ValidationError({"inner": ["Wrong."]})

    def listed(value):
        raise ValidationError("Never seen.")

    class Mapped(Serializer):
        value = JSONField(validate=[nested, listed])

    assert errors(Mapped(), {"value": 1}) == {"value": {"inner": ["Wrong."]}}


def test_marshmallows_field_processors_run_around_the_drf_checks():
    class Tagged(Serializer):
        tag = CharField(max_length=3, pre_load=[lambda v: v.lower()], post_load=[lambda v: f"#{v}"])

        def validate_tag(self, value):
            return value + "!"

    assert Tagged().load({"tag": "AB"}) == {"tag": "#ab!"}
    assert errors(Tagged(), {"tag": "ABCD"}) == {"tag": ["Ensure this field has no more than 3 characters."]}


# -- fields -----------------------------------------------------------------------------------------------


def test_a_choice_field_quotes_the_value_it_refuses():
    assert errors(Shape(), {"name": "a", "kind": ["circle"]})["kind"] == ["\"['circle']\" is not a valid choice."]
    assert errors(Shape(), {"name": "a", "kind": ""})["kind"] == ['"" is not a valid choice.']


class Flags(Serializer):
    on = BooleanField(default=False)
    maybe = BooleanField(required=False, allow_null=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("ON", True), (1, True), (1.0, True), ("n", False), (0.0, False), ("0", False)],
)
def test_a_boolean_field_accepts_drfs_spellings(value, expected):
    assert Flags().load({"on": value}) == {"on": expected}


@pytest.mark.parametrize("value", ["maybe", 2, [], {}, "", "null"])
def test_a_boolean_field_refuses_anything_else(value):
    assert errors(Flags(), {"on": value}) == {"on": ["Must be a valid boolean."]}


@pytest.mark.parametrize("value", ["null", "", None])
def test_a_nullable_boolean_field_reads_drfs_null_spellings(value):
    assert Flags().load({"maybe": value})["maybe"] is None


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("3", 3), ("3.00", 3), (3.0, 3), (" 7 ", 7)])
def test_an_integer_field_reads_integers_and_their_decimal_spellings(value, expected):
    assert Point().load({"x": value, "y": 0})["x"] == expected


@pytest.mark.parametrize("value", [1.5, True, "x", [1], "1e3"])
def test_an_integer_field_refuses_other_values(value):
    assert errors(Point(), {"x": value, "y": 0}) == {"x": ["A valid integer is required."]}


def test_an_integer_field_states_its_bounds_and_a_long_string():
    class Bounded(Serializer):
        n = IntegerField(min_value=1, max_value=9)

    assert errors(Bounded(), {"n": 0}) == {"n": ["Ensure this value is greater than or equal to 1."]}
    assert errors(Bounded(), {"n": 10}) == {"n": ["Ensure this value is less than or equal to 9."]}
    assert errors(Bounded(), {"n": "1" * 1001}) == {"n": ["String value too large."]}


def test_a_json_field_refuses_what_json_cannot_hold():
    class Anything(Serializer):
        value = JSONField()

    assert errors(Anything(), {"value": {1, 2}}) == {"value": ["Value must be valid JSON."]}


def test_a_dict_field_checks_each_value_and_keys_errors_by_item():
    class Scores(Serializer):
        scores = DictField(IntegerField(), allow_empty=False)

    assert Scores().load({"scores": {"a": "1"}}) == {"scores": {"a": 1}}
    assert errors(Scores(), {"scores": {"a": 1, "b": "x"}}) == {"scores": {"b": ["A valid integer is required."]}}
    assert errors(Scores(), {"scores": []}) == {"scores": ['Expected a dictionary of items but got type "list".']}
    assert errors(Scores(), {"scores": {}}) == {"scores": ["This dictionary may not be empty."]}


def test_a_url_field_adds_djangos_url_check_after_the_char_checks():
    class Link(Serializer):
        url = URLField()

    assert Link().load({"url": " https://example.com/a.mp4 "}) == {"url": "https://example.com/a.mp4"}
    assert errors(Link(), {"url": "nope\x00"}) == {"url": ["Null characters are not allowed.", "Enter a valid URL."]}


WRONG_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


class Meeting(Serializer):
    starts = DateTimeField()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-18T12", datetime(2027, 1, 18, 12, tzinfo=timezone.utc)),
        ("2027-01-18T14:00+02:00", datetime(2027, 1, 18, 12, tzinfo=timezone.utc)),
        ("iso-8601", datetime(1900, 1, 1, tzinfo=timezone.utc)),  # DRF's strptime fallback matches its own name
    ],
)
def test_a_datetime_field_reads_django_forms_into_utc(text, expected):
    assert Meeting().load({"starts": text}) == {"starts": expected}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", WRONG_FORMAT),
        (20270118, WRONG_FORMAT),
        ("0001-01-01T00:00+01:00", "Datetime value out of range."),
    ],
)
def test_a_datetime_field_gives_drfs_messages(value, message):
    assert errors(Meeting(), {"starts": value}) == {"starts": [message]}


SCHEMA = {
    "type": "object",
    "properties": {"sdk": {"type": "string", "enum": ["web", "native"]}, "group": {"type": ["string", "null"]}},
    "required": [],
    "additionalProperties": False,
}


def test_a_json_schema_field_reports_best_matchs_message_in_a_list():
    class Zoom(Serializer):
        zoom = JsonSchemaField(SCHEMA)

    assert errors(Zoom(), {"zoom": {"sdk": "app"}}) == {"zoom": ["'app' is not one of ['web', 'native']"]}
    assert errors(Zoom(), {"zoom": {"other": 1}}) == {
        "zoom": ["Additional properties are not allowed ('other' was unexpected)"]
    }
    assert Zoom().load({"zoom": {"group": None}}) == {"zoom": {"group": None}}


def test_the_context_reaches_every_check_and_one_instance_serves_every_thread():
    class Clocked(Serializer):
        at = DateTimeField()

        def validate_at(self, value):
            if value < self.context["now"]:
                raise ValidationError("In the past.")
            return value

    shared, results = Clocked(), {}

    def run(offset):
        now = NOW + timedelta(days=offset)
        for _ in range(200):
            try:
                shared.load({"at": "2026-12-05T00:00Z"}, context={"now": now})
                results.setdefault(offset, set()).add("ok")
            except ValidationError:
                results.setdefault(offset, set()).add("past")

    threads = [threading.Thread(target=run, args=(offset,)) for offset in (0, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {0: {"ok"}, 10: {"past"}}


# -- OpenAPI -------------------------------------------------------------------------------------------------

REQUEST_SERIALIZERS = (
    CreateBot,
    PatchBot,
    BotImage,
    BotChatMessage,
    Speech,
    OutputVideo,
    PatchTranscriptionSettings,
    PatchVoiceAgentSettings,
    CreateAsyncTranscription,
)


def test_a_serializer_describes_its_fields_required_ones_and_unknown_field_rule():
    assert StrictShape.openapi() == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 5, "minLength": 1},
            "kind": {"type": "string", "enum": ["circle", "square"]},
            "origin": {
                "type": "object",
                "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                "required": ["x", "y"],
            },
        },
        "required": ["name", "kind"],
        "additionalProperties": False,
    }
    assert Named.openapi()["properties"]["name"] == {"type": "string", "maxLength": 3, "nullable": True, "minLength": 1}
    assert Flags.openapi()["properties"]["on"] == {"type": "boolean", "default": False}


def test_a_json_schema_becomes_openapi_3_0():
    assert to_openapi(SCHEMA) == {
        "type": "object",
        "properties": {
            "sdk": {"type": "string", "enum": ["web", "native"]},
            "group": {"type": "string", "nullable": True},
        },
        "additionalProperties": False,
    }


def test_every_request_serializer_is_a_valid_openapi_3_0_schema():
    schemas = {serializer.__name__: serializer.openapi() for serializer in REQUEST_SERIALIZERS}
    validate_openapi_document(
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}
    )


def _max_lengths(serializer, path=()):
    """(path, limit) of every string property with a maxLength, nested serializers included."""
    for name, fragment in serializer.openapi()["properties"].items():
        if fragment.get("type") == "string" and "maxLength" in fragment:
            yield (*path, name), fragment["maxLength"]
    for name, field in serializer._declared_fields.items():
        if isinstance(field, Nested):
            yield from _max_lengths(field.nested, (*path, name))


def _body(path, value):
    return {path[0]: value} if len(path) == 1 else {path[0]: _body(path[1:], value)}


def _error_at(serializer, body, path):
    try:
        serializer().load(body, context={"now": NOW, "voice_agents_enabled": False, "require_https_webhooks": True})
    except ValidationError as exc:
        node = exc.messages
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node
    return None


@pytest.mark.parametrize("serializer", REQUEST_SERIALIZERS, ids=lambda s: s.__name__)
def test_every_stated_max_length_is_the_enforced_one(serializer):
    """A chat message of 10,000 characters passes and 10,001 fails: the schema says maxLength 10000."""
    for path, limit in _max_lengths(serializer):
        assert _error_at(serializer, _body(path, "a" * limit), path) is None, path
        assert _error_at(serializer, _body(path, "a" * (limit + 1)), path) is not None, path


def test_the_chat_message_limit_is_10000_characters_everywhere():
    assert BotChatMessage.openapi()["properties"]["message"]["maxLength"] == 10000
    served = build_openapi()["components"]["schemas"]["BotChatMessageRequest"]["properties"]["message"]
    assert served["maxLength"] == 10000
