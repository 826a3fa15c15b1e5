"""Django REST framework's validation rules, declared on marshmallow.

The real server validates every request body with DRF serializers. Clients see DRF's exact behaviour:
its messages, the order of keys in the error map, which checks run when. This module gives the same
behaviour with marshmallow's fields, `error_messages`, validators, ordered schemas and hooks, so a request
serializer here reads like the real one:

    class BotChatMessage(Serializer):
        to_user_uuid = CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
        to = ChoiceField(CHAT_TO_OPTIONS, default="everyone")
        message = CharField()

        def validate_message(self, value): ...        # DRF's validate_<field>
        def validate_object(self, data): ...          # DRF's validate(data)

DRF's rules, and where each lives:

* Fields are checked in declaration order and the error map keeps that order (marshmallow's ordered
  schema and error store). A field runs, in DRF's order: empty checks (`required`, `allow_null`, and a
  CharField's `allow_blank` first of all), its type conversion, then all its validators (list errors
  accumulate; a dict error is raised as it is), then the serializer's `validate_<field>(value)`, which
  returns the value to keep and raises a list or a nested dict (`{"format": "..."}`) kept as raised.
  A default (`default=`) skips the field's own checks but still goes through `validate_<field>`.
* `validate_object(data)` (DRF's `validate`; marshmallow's `Schema.validate` keeps its own meaning) runs
  only when every field is valid (a marshmallow `validates_schema` hook); a string error goes under
  `non_field_errors`, a dict's string values become lists (DRF's `as_serializer_error`).
* `reject_unknown_fields = True` adds the real serializers' "Unexpected field(s): ..." check, which
  runs only when every field is valid and before `validate_object`. Otherwise unknown keys are ignored.
* A body that is not an object: `{"non_field_errors": ["Invalid data. Expected a dictionary, but got
  list."]}`; `null`: `No data provided` (a `pre_load` hook).
* `load(data, context={...})` makes the request's facts (the clock, settings, the raw body as
  `initial_data`) visible to every check through `self.context` (a contextvar: marshmallow 4 dropped
  `Schema.context`), so one serializer instance serves every request and thread.

Shim, and why: each field's `deserialize` is DRF's `run_validation` written out (about twenty lines).
marshmallow's own `deserialize` checks `required`/`null` before a CharField's blank test, wraps a dict
error from a validator in a list, never runs anything on a default, and its `@validates` hooks cannot
replace the value and run after every field (so their errors would land after later fields' errors).

Each field and serializer describes itself as an OpenAPI 3.0 fragment (`openapi()`), with exactly the
limits it enforces; a `validate_<field>` method that enforces a limit states it with `@documents(...)`.
"""

from __future__ import annotations

import contextvars
import copy
import json
import re
from datetime import datetime, timezone

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    missing,
    pre_load,
    validates_schema,
)
from marshmallow import fields as ma

from sandbox.contract import messages as msg
from sandbox.contract.datetimes import parse_datetime
from sandbox.contract.validators import (
    MaxLength,
    MinLength,
    prohibit_null_characters,
    prohibit_surrogate_characters,
    url_validator,
)

NON_FIELD_ERRORS = "non_field_errors"

__all__ = [
    "NON_FIELD_ERRORS",
    "BooleanField",
    "CharField",
    "ChoiceField",
    "DateTimeField",
    "DictField",
    "IntegerField",
    "JSONField",
    "JsonSchemaField",
    "Nested",
    "Serializer",
    "URLField",
    "ValidationError",
    "documents",
    "json_schema_error",
    "to_openapi",
]


def documents(**keywords):
    """Mark a `validate_<field>` method with the OpenAPI keywords it enforces (e.g. `maxLength=10000`),
    so the field's description states the limit that is checked."""

    def mark(method):
        method.openapi_keywords = keywords
        return method

    return mark


# --------------------------------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------------------------------


class DrfField:
    """DRF's field arguments and `run_validation` order, mixed into a marshmallow field.

    `required` defaults to True unless a `default` is given (DRF); `allow_null` is marshmallow's
    `allow_none`; `default` is marshmallow's `load_default` (copied, or called, for each request)."""

    default_error_messages = {"required": msg.REQUIRED, "null": msg.NULL}
    openapi_type: dict = {}

    def __init__(self, *args, required=None, allow_null=False, default=missing, validate=(), **kwargs):
        if required is None:
            required = default is missing
        super().__init__(
            *args, required=required, allow_none=allow_null, load_default=default, validate=validate, **kwargs
        )

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is missing:
            if self.required:
                raise self.make_error("required")
            if self.load_default is missing:
                return missing  # DRF's SkipField: the key stays out of the result
            default = self.load_default
            return self.run_serializer_method(default() if callable(default) else copy.deepcopy(default))
        if value is None:
            if not self.allow_none:
                raise self.make_error("null")
            return self.run_serializer_method(None)
        for process in self.pre_load:  # marshmallow's field-level processors keep their places
            value = process(value)
        value = self._deserialize(value, attr, data, **kwargs)
        self.run_validators(value)
        for process in self.post_load:
            value = process(value)
        return self.run_serializer_method(value)

    def run_validators(self, value):
        """Every validator runs and list errors add up; a validator raising a dict stops there."""
        errors = []
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as exc:
                if isinstance(exc.messages, dict):
                    raise
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    def run_serializer_method(self, value):
        """The serializer's `validate_<field>(value)`: its return value is kept."""
        method = getattr(self.parent, f"validate_{self.name}", None) if self.name else None
        return value if method is None else method(value)

    def openapi(self):
        """This field as an OpenAPI 3.0 schema fragment."""
        fragment = dict(self.openapi_type)
        for validator in self.validators:
            fragment.update(getattr(validator, "openapi", dict)())
        if self.allow_none:
            fragment["nullable"] = True
        if self.load_default is not missing and not callable(self.load_default) and self.load_default is not None:
            fragment["default"] = copy.deepcopy(self.load_default)
        if self.metadata.get("description"):
            fragment["description"] = self.metadata["description"]
        return fragment


class CharField(DrfField, ma.String):
    """DRF's CharField: numbers become strings, whitespace is trimmed, blank and NUL/surrogates refused.

    `accept_numbers=False` refuses numbers too (for fields where the real server answers 500 to them)."""

    default_error_messages = {"invalid": msg.NOT_A_STRING, "blank": msg.BLANK}
    openapi_type = {"type": "string"}

    def __init__(
        self,
        *,
        allow_blank=False,
        trim_whitespace=True,
        max_length=None,
        min_length=None,
        accept_numbers=True,
        validate=(),
        **kwargs,
    ):
        self.allow_blank, self.trim_whitespace, self.accept_numbers = allow_blank, trim_whitespace, accept_numbers
        validators = list(validate)
        if max_length is not None:
            validators.append(MaxLength(max_length))
        if min_length is not None:
            validators.append(MinLength(min_length))
        validators += [prohibit_null_characters, prohibit_surrogate_characters]
        super().__init__(validate=validators, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # DRF tests for a blank string before anything else, `required` and `null` included.
        if value is not missing and (value == "" or (self.trim_whitespace and str(value).strip() == "")):
            if not self.allow_blank:
                raise self.make_error("blank")
            return self.run_serializer_method("")
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        types = (str, int, float) if self.accept_numbers else (str,)
        if isinstance(value, bool) or not isinstance(value, types):
            raise self.make_error("invalid")
        text = str(value)
        return text.strip() if self.trim_whitespace else text

    def openapi(self):
        fragment = super().openapi()
        if not self.allow_blank:
            fragment.setdefault("minLength", 1)
        return fragment


class URLField(CharField):
    """DRF's URLField: a CharField whose validators end with Django's URLValidator."""

    openapi_type = {"type": "string", "format": "uri"}

    def __init__(self, *, validate=(), **kwargs):
        super().__init__(validate=validate, **kwargs)
        self.validators.append(url_validator)


class ChoiceField(DrfField, ma.Raw):
    """DRF's ChoiceField: the value's `str()` must be one of `choices`."""

    default_error_messages = {"invalid_choice": msg.INVALID_CHOICE}

    def __init__(self, choices, *, allow_blank=False, **kwargs):
        self.choices = {str(choice): choice for choice in choices}
        self.allow_blank = allow_blank
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "" and self.allow_blank:
            return ""
        try:
            return self.choices[str(value)]
        except KeyError:
            raise self.make_error("invalid_choice", input=value) from None

    def openapi(self):
        return {"type": "string", "enum": list(self.choices.values()), **super().openapi()}


class BooleanField(DrfField, ma.Boolean):
    """DRF's BooleanField and its accepted spellings."""

    # As DRF spells them; 1 and True (0, 0.0 and False) are one set member, so 1.0 is true as on the server.
    TRUE_VALUES = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1", 1, True}  # noqa: B033
    FALSE_VALUES = {
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", 0, 0.0, False,  # noqa: B033
    }  # fmt: skip
    NULL_VALUES = {"null", "Null", "NULL", "", None}
    default_error_messages = {"invalid": msg.NOT_A_BOOLEAN}
    openapi_type = {"type": "boolean"}

    def __init__(self, **kwargs):
        super().__init__(truthy=self.TRUE_VALUES, falsy=self.FALSE_VALUES, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.allow_none:
            try:
                if value in self.NULL_VALUES:
                    return None
            except TypeError:  # unhashable
                pass
        return super()._deserialize(value, attr, data, **kwargs)


class IntegerField(DrfField, ma.Integer):
    """DRF's IntegerField: `int(str(value))` once a trailing `.0` is dropped; optional bounds."""

    MAX_STRING_LENGTH = 1000
    _DECIMAL_ZEROS = re.compile(r"\.0*\s*$")
    default_error_messages = {"invalid": msg.NOT_AN_INTEGER, "max_string_length": msg.INTEGER_STRING_TOO_LARGE}
    openapi_type = {"type": "integer"}

    def __init__(self, *, min_value=None, max_value=None, validate=(), **kwargs):
        self.min_value, self.max_value = min_value, max_value
        validators = list(validate)
        if max_value is not None:
            validators.append(_bound(lambda v: v <= max_value, msg.INTEGER_TOO_LARGE.format(max=max_value)))
        if min_value is not None:
            validators.append(_bound(lambda v: v >= min_value, msg.INTEGER_TOO_SMALL.format(min=min_value)))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) > self.MAX_STRING_LENGTH:
            raise self.make_error("max_string_length")
        try:
            return int(self._DECIMAL_ZEROS.sub("", str(value)))
        except (ValueError, TypeError):
            raise self.make_error("invalid") from None

    def openapi(self):
        fragment = super().openapi()
        if self.min_value is not None:
            fragment["minimum"] = self.min_value
        if self.max_value is not None:
            fragment["maximum"] = self.max_value
        return fragment


def _bound(test, message):
    def check(value):
        if not test(value):
            raise ValidationError(message)

    return check


class JSONField(DrfField, ma.Raw):
    """DRF's JSONField: any JSON value (a copy, so later defaults never touch the request body)."""

    default_error_messages = {"invalid": msg.NOT_JSON}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise self.make_error("invalid") from None
        return copy.deepcopy(value)


_SCHEMA_VALIDATORS = {}


def json_schema_error(instance, schema):
    """The message `jsonschema.validate(instance, schema)` raises (its `best_match`), or None.

    A validator is built once per schema object (the schemas are module constants; the cache holds each
    schema, so its id is never reused)."""
    import jsonschema  # imported at the first check, not at start-up (it takes ~40 ms to import)

    cached = _SCHEMA_VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        cached = _SCHEMA_VALIDATORS[id(schema)] = (schema, cls(schema))
    error = jsonschema.exceptions.best_match(cached[1].iter_errors(instance))
    return None if error is None else error.message


class JsonSchemaField(JSONField):
    """A JSONField checked against a JSON Schema, as the real server's `validate_<field>` methods do with
    `jsonschema.validate`: the error is `best_match`'s message, in a list.

    `check=False` leaves the check to the serializer (`self.fields[name].check_schema(value)`), for the
    few real methods that test something else first (a disabled feature, the sandbox's http:// webhooks)."""

    def __init__(self, schema, *, check=True, **kwargs):
        self.schema = schema
        super().__init__(**kwargs)
        if check:
            self.validators.insert(0, self.check_schema)

    def check_schema(self, value, instance=missing):
        """Raise the schema's error for `value` (or for `instance`, when the schema sees another view)."""
        message = json_schema_error(value if instance is missing else instance, self.schema)
        if message is not None:
            raise ValidationError(message)

    def openapi(self):
        return {**to_openapi(self.schema), **super().openapi()}


class DateTimeField(DrfField, ma.Raw):
    """DRF's DateTimeField with ISO 8601 input: Django's `parse_datetime` (3.10), then UTC."""

    default_error_messages = {"invalid": msg.DATETIME_WRONG_FORMAT, "overflow": msg.DATETIME_OVERFLOW}
    openapi_type = {"type": "string", "format": "date-time"}

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = None
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is None and value.lower() == "iso-8601":
                # DRF then tries `datetime.strptime(value, "iso-8601")`, which matches that literal text.
                parsed = datetime(1900, 1, 1)
        if parsed is None:
            raise self.make_error("invalid", format=msg.DATETIME_FORMATS)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        try:
            return parsed.astimezone(timezone.utc)
        except OverflowError:
            raise self.make_error("overflow") from None


class DictField(DrfField, ma.Raw):
    """DRF's DictField: an object whose values each pass `child` (errors keyed by the item's key)."""

    default_error_messages = {"not_a_dict": msg.NOT_A_DICT_OF_ITEMS, "empty": msg.EMPTY_DICT}

    def __init__(self, child=None, *, allow_empty=True, **kwargs):
        self.child, self.allow_empty = child, allow_empty
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("not_a_dict", input_type=type(value).__name__)
        if not self.allow_empty and not value:
            raise self.make_error("empty")
        if self.child is None:
            return copy.deepcopy(value)
        result, errors = {}, {}
        for key, item in value.items():
            try:
                result[str(key)] = self.child.deserialize(item)
            except ValidationError as exc:
                errors[str(key)] = exc.messages
        if errors:
            raise ValidationError(errors)
        return result

    def openapi(self):
        fragment = {"type": "object", **super().openapi()}
        if self.child is not None:
            fragment["additionalProperties"] = self.child.openapi()
        if not self.allow_empty:
            fragment["minProperties"] = 1
        return fragment


class Nested(DrfField, ma.Nested):
    """A serializer used as a field (DRF nests serializers directly): its errors are a nested map."""

    def openapi(self):
        return {**self.nested.openapi(), **super().openapi()}


# --------------------------------------------------------------------------------------------------
# Serializer
# --------------------------------------------------------------------------------------------------


def _as_serializer_error(messages):
    """DRF's `as_serializer_error`: what `validate` raised, as the error map's entries."""
    if isinstance(messages, dict):
        return {key: value if isinstance(value, (list, dict)) else [value] for key, value in messages.items()}
    return {NON_FIELD_ERRORS: list(messages)}


_CONTEXT = contextvars.ContextVar("serializer_context", default=None)


class Serializer(Schema):
    """A DRF serializer as a marshmallow schema; see the module docstring for its rules.

    `load` returns the validated data, or raises marshmallow's ValidationError whose `messages` are the
    exact error body the real server answers with."""

    class Meta:
        unknown = EXCLUDE  # DRF ignores keys it does not declare (see reject_unknown_fields)

    #: The real create-bot, calendar and Zoom serializers refuse undeclared keys in their `validate`.
    reject_unknown_fields = False

    def load(self, data, *, context=None, **kwargs):
        """Validate `data`; `context` (a dict) is what the checks read as `self.context`, with the body
        itself as `initial_data`. A nested serializer is loaded without one and sees its parent's."""
        if context is None:
            return super().load(data, **kwargs)
        token = _CONTEXT.set({**context, "initial_data": data})
        try:
            return super().load(data, **kwargs)
        finally:
            _CONTEXT.reset(token)

    @property
    def context(self):
        """The facts of the request being loaded (a fresh empty dict outside `load(..., context=...)`)."""
        return _CONTEXT.get() or {}

    def validate_object(self, data):
        """DRF's `validate(data)`: checks across fields, run only when every field is valid. May change
        `data` in place; raise a message (-> `non_field_errors`) or a `{field: message}` map. (Its name
        follows the `validate_<field>` pattern, so no field may be called `object`.)"""

    def check_unknown_fields(self, original):
        unexpected = set(original) - set(self.fields)
        if unexpected:
            raise ValidationError(
                msg.UNEXPECTED_FIELDS.format(
                    unexpected=", ".join(sorted(unexpected)), allowed=", ".join(sorted(self.fields))
                )
            )

    @pre_load
    def _require_mapping(self, data, **kwargs):
        if data is None:
            raise ValidationError(msg.NO_DATA, NON_FIELD_ERRORS)
        if not isinstance(data, dict):
            raise ValidationError(msg.NOT_A_DICT.format(type(data).__name__), NON_FIELD_ERRORS)
        return data

    @validates_schema(pass_original=True, skip_on_field_errors=True)
    def _validate_whole_object(self, data, original, **kwargs):
        try:
            if self.reject_unknown_fields:
                self.check_unknown_fields(original)
            self.validate_object(data)
        except ValidationError as exc:
            raise ValidationError(_as_serializer_error(exc.messages)) from None

    @classmethod
    def openapi(cls):
        """The serializer as an OpenAPI 3.0 object schema: its fields in order, the required ones, and
        `additionalProperties: false` when unknown fields are refused."""
        properties, required = {}, []
        for name, field in cls._declared_fields.items():
            fragment = field.openapi()
            fragment.update(getattr(getattr(cls, f"validate_{name}", None), "openapi_keywords", {}))
            properties[name] = fragment
            if field.required:
                required.append(name)
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if cls.reject_unknown_fields:
            schema["additionalProperties"] = False
        return schema


# --------------------------------------------------------------------------------------------------
# JSON Schema (draft 7, as the real server writes it) -> OpenAPI 3.0 schema object
# --------------------------------------------------------------------------------------------------

_SCHEMA_LISTS = ("oneOf", "anyOf", "allOf")


def to_openapi(schema):
    """The OpenAPI 3.0 form of a JSON Schema: `type: [x, "null"]` becomes `type: x, nullable: true`, an
    empty `required` list is dropped (3.0 wants at least one name); sub-schemas are converted too."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            out["type"] = types[0] if len(types) == 1 else types
            if "null" in value:
                out["nullable"] = True
        elif key == "required" and not value:
            continue
        elif key == "properties":
            out[key] = {name: to_openapi(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = to_openapi(value)
        elif key in _SCHEMA_LISTS:
            out[key] = [to_openapi(sub) for sub in value]
        else:
            out[key] = copy.deepcopy(value)
    return out
