"""Django's validators that DRF's fields run, ported: each is a marshmallow validator (raises
`ValidationError` with the real message) and can state itself in OpenAPI where that is exact."""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from marshmallow import ValidationError

from sandbox.contract.messages import (
    ENTER_A_VALID_URL,
    MAX_LENGTH,
    MIN_LENGTH,
    NULL_CHARACTERS,
    SURROGATE_CHARACTER,
)


def first_surrogate(text):
    """The first lone surrogate in `text` (JSON can carry them, Postgres cannot), or None."""
    return next((ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF), None)


def outside_bmp(text):
    """Whether `text` has a character above U+FFFF (emoji and rare scripts: MySQL-era `utf8` checks)."""
    return any(ord(ch) > 0xFFFF for ch in text)


class MaxLength:
    """DRF's `max_length` (Django's MaxLengthValidator with DRF's message)."""

    def __init__(self, limit, message=MAX_LENGTH):
        self.limit, self.message = limit, message

    def __call__(self, value):
        if len(value) > self.limit:
            raise ValidationError(self.message.format(max=self.limit))

    def openapi(self):
        return {"maxLength": self.limit}


class MinLength:
    """DRF's `min_length`."""

    def __init__(self, limit, message=MIN_LENGTH):
        self.limit, self.message = limit, message

    def __call__(self, value):
        if len(value) < self.limit:
            raise ValidationError(self.message.format(min=self.limit))

    def openapi(self):
        return {"minLength": self.limit}


def prohibit_null_characters(value):
    """Django's `ProhibitNullCharactersValidator` (every DRF CharField runs it)."""
    if "\x00" in str(value):
        raise ValidationError(NULL_CHARACTERS)


def prohibit_surrogate_characters(value):
    """DRF's `ProhibitSurrogateCharactersValidator`: names the first lone surrogate."""
    surrogate = first_surrogate(str(value))
    if surrogate is not None:
        raise ValidationError(SURROGATE_CHARACTER.format(ord(surrogate)))


# Django 5.2's URLValidator, ported (DRF's URLField runs it after the null/surrogate validators).
_UL = "\u00a1-\uffff"
_IPV4_RE = (
    r"(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)"
    r"(?:\.(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)){3}"
)
_IPV6_RE = r"\[[0-9a-f:.]+\]"
_HOSTNAME_RE = r"[a-z" + _UL + r"0-9](?:[a-z" + _UL + r"0-9-]{0,61}[a-z" + _UL + r"0-9])?"
_DOMAIN_RE = r"(?:\.(?!-)[a-z" + _UL + r"0-9-]{1,63}(?<!-))*"
_TLD_RE = r"\.(?!-)(?:[a-z" + _UL + "-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\.?"
_HOST_RE = "(" + _HOSTNAME_RE + _DOMAIN_RE + _TLD_RE + "|localhost)"
_URL_PATTERN = (
    r"^(?:[a-z0-9.+-]*)://"
    r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?"
    r"(?:" + _IPV4_RE + "|" + _IPV6_RE + "|" + _HOST_RE + ")"
    r"(?::[0-9]{1,5})?"
    r"(?:[/?#][^\s]*)?"
    r"\Z"
)


@functools.cache
def _url_re():
    """Compiled at the first URL checked: its Unicode ranges take ~35 ms to compile, a start-up's tenth."""
    return re.compile(_URL_PATTERN, re.IGNORECASE)


_URL_SCHEMES = ("http", "https", "ftp", "ftps")
_URL_MAX_LENGTH = 2048


def _is_valid_ipv6(text):
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def is_valid_url(value):
    """`django.core.validators.URLValidator()(value)` passes."""
    if not isinstance(value, str) or len(value) > _URL_MAX_LENGTH:
        return False
    if set("\t\r\n") & set(value):
        return False
    if value.split("://")[0].lower() not in _URL_SCHEMES:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not _url_re().search(value):
        # Trivial case failed: try the host as an IDN (punycode).
        try:
            netloc = parts.netloc.encode("idna").decode("ascii")
        except UnicodeError:
            return False
        if not _url_re().search(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))):
            return False
    else:
        host = re.search(r"^\[(.+)\](?::[0-9]{1,5})?$", parts.netloc)
        if host and not _is_valid_ipv6(host[1]):
            return False
    try:
        hostname = parts.hostname
    except ValueError:
        return False
    return hostname is not None and len(hostname) <= 253


def url_validator(value):
    """Django's `URLValidator` as a field validator."""
    if not is_valid_url(value):
        raise ValidationError(ENTER_A_VALID_URL)
