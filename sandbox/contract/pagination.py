"""Cursor pagination exactly as the real server's lists do it (DRF `CursorPagination`,
docs/contract/pagination.md#pagination and docs/contract/pagination.md#list-query-parameters).

Used by every paginated list: `GET /bots`, `/chat_messages`, `/participant_events`, `/participants`, and
the newest-first lists of docs/contract/calendars.md#non-bot-resources (`GET /calendars`, `/calendar_events` in its
`ordering`,
`/zoom_oauth_connections`), which pass `descending=True` for a `-field` ordering.

    results, next_url, previous_url = paginate(items, created_at_of, url)

* `items`: the filtered list, oldest first (a stable sort by `created_at`; ties keep their order).
* `created_at_of(item)`: the item's `created_at` as an aware datetime (or its stored isoformat text).
* `url`: the request's absolute URL with its query string (`request_url(request)` builds it), because
  `next`/`previous` are that URL with `cursor` replaced, and every other parameter kept (`page_size`
  too, although it changes nothing: docs/contract/pagination.md#list-query-parameters).

Pages hold 25 items. The cursor is base64 of a tiny query string: `p=<created_at of the boundary row>`
(Python's `str()` of the datetime: `2026-11-30 11:23:58.700935+00:00`), `r=1` for a `previous` link,
and `o=<offset>` when rows share a timestamp, all built by the same algorithm as DRF so links match the
real server's byte for byte. A cursor that does not decode is `404 {"detail":"Invalid cursor"}`; an
empty `cursor=` is the first page. The real server answers 500 for a cursor that decodes but whose
position is not a datetime; here that is the same 404 (the sandbox never answers 5xx).

The sandbox's own lists (`GET /sandbox/requests`, `/sandbox/webhooks/deliveries`) use the same cursors,
newest first and `limit` items a page (`control_page`); the journal's are ordered by entry id (`BY_NUMBER`).

Pure module: no Flask (`request_url` only reads attributes of the request it is given).
"""

import base64
import binascii
from typing import Any, Callable, NamedTuple
from urllib import parse

from sandbox.contract.datetimes import parse_query_datetime, parse_stored_datetime
from sandbox.contract.errors import DetailError, SandboxInputError
from sandbox.contract.inputs import query_int

PAGE_SIZE = 25  # also CalendarCursorPagination's and ZoomOAuthConnectionCursorPagination's
CALENDAR_EVENTS_PAGE_SIZE = 100  # CalendarEventCursorPagination
OFFSET_CUTOFF = 1000  # DRF's `offset_cutoff`: a larger `o=` is read as 1000
CURSOR_PARAM = "cursor"

__all__ = [
    "BY_NUMBER",
    "BY_TIME",
    "CALENDAR_EVENTS_PAGE_SIZE",
    "DEFAULT_CONTROL_PAGE",
    "PAGE_SIZE",
    "Rows",
    "Ordering",
    "control_page",
    "paginate",
    "request_url",
    "sort_oldest_first",
]


class Ordering:
    """What the pages are ordered by: `value(raw)` turns what `created_at_of` gives into a comparable value,
    whose `str()` a cursor carries, and `parse(text)` reads a cursor's text back (None: not a position)."""

    def __init__(self, value, parse):
        self.value = value
        self.parse = parse


def _as_datetime(value):
    return parse_stored_datetime(value) if isinstance(value, str) else value


def _as_number(text):
    return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else None


#: The API's lists: a `created_at` (aware datetime or stored text), read back as Django reads a datetime filter.
BY_TIME = Ordering(_as_datetime, parse_query_datetime)
#: A unique, growing number (the sandbox's own lists: a request journal entry's id).
BY_NUMBER = Ordering(int, _as_number)


class Rows(NamedTuple):
    """A list whose items are loaded only when shown: `keys` in list order, each key's ordering value
    (`created_at_of`), and `load(key)` -> the item (None when it is gone meanwhile). A page then costs what
    it shows, not what the list holds."""

    keys: list
    created_at_of: Callable[[Any], Any]
    load: Callable[[Any], Any]


def request_url(request):
    """The absolute URL of a request, as Django's `build_absolute_uri()` gives it: scheme, host, path and
    the query string as sent."""
    query = request.query_string.decode("latin-1")
    return f"{request.scheme}://{request.host}{request.path}" + (f"?{query}" if query else "")


def paginate(items, created_at_of, url, *, page_size=PAGE_SIZE, descending=False, ordering=BY_TIME, load=None):
    """One page of `items` for the request at `url`: `(results, next_url or None, previous_url or None)`.

    `created_at_of` gives each item's value of the ordering field (an aware datetime or its stored text);
    `items` come sorted by it, ascending, or descending for a `-field` ordering (`descending=True`: DRF then
    pages forward with `field < position`). Raises `DetailError("Invalid cursor", status=404)` for a cursor
    that cannot be read. `ordering`: what `created_at_of` gives, when it is not a time (`BY_NUMBER`). `load`:
    the items are keys, and only the page's are loaded (`Rows`).
    """
    page, next_url, previous_url = _Paginator(items, created_at_of, url, page_size, descending, ordering).run()
    if load is not None:
        page = [item for item in map(load, page) if item is not None]
    return page, next_url, previous_url


class _Cursor:
    def __init__(self, offset, reverse, position):
        self.offset, self.reverse, self.position = offset, reverse, position


def _invalid_cursor():
    return DetailError("Invalid cursor", status=404)


def _position_text(moment):
    """DRF's `_get_position_from_instance`: `str()` of the ordering field's value."""
    return str(moment)


def _query_last(url, name):
    """What Django's `QueryDict.get(name)` returns: the last value of a repeated parameter, or None."""
    values = parse.parse_qs(parse.urlsplit(url).query, keep_blank_values=True).get(name)
    return values[-1] if values else None


def _replace_query_param(url, key, value):
    """DRF's `replace_query_param`: the other parameters are kept, sorted by name."""
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    query_dict = parse.parse_qs(query, keep_blank_values=True)
    query_dict[key] = [value]
    query = parse.urlencode(sorted(query_dict.items()), doseq=True)
    return parse.urlunsplit((scheme, netloc, path, query, fragment))


def decode_cursor(encoded):
    """A `cursor` parameter's value -> `_Cursor`, or raise Invalid cursor (DRF's `decode_cursor`)."""
    try:
        querystring = base64.b64decode(encoded.encode("ascii")).decode("ascii")
        tokens = parse.parse_qs(querystring, keep_blank_values=True)
        offset = int(tokens.get("o", ["0"])[0])
        if offset < 0:
            raise ValueError("negative offset")
        offset = min(offset, OFFSET_CUTOFF)
        reverse = bool(int(tokens.get("r", ["0"])[0]))
        position = tokens.get("p", [None])[0]
    except (TypeError, ValueError, binascii.Error):
        raise _invalid_cursor() from None
    return _Cursor(offset, reverse, position)


def encode_cursor(cursor):
    tokens = {}
    if cursor.offset != 0:
        tokens["o"] = str(cursor.offset)
    if cursor.reverse:
        tokens["r"] = "1"
    if cursor.position is not None:
        tokens["p"] = cursor.position
    querystring = parse.urlencode(tokens, doseq=True)
    return base64.b64encode(querystring.encode("ascii")).decode("ascii")


class _Paginator:
    """DRF's `CursorPagination.paginate_queryset` / `get_next_link` / `get_previous_link`, over a list."""

    def __init__(self, items, created_at_of, url, page_size, descending=False, ordering=BY_TIME):
        self.items = list(items)
        self.created_at_of = lambda item: ordering.value(created_at_of(item))
        self.ordering = ordering
        self.url = url
        self.page_size = page_size
        self.descending = descending

    def position(self, item):
        return _position_text(self.created_at_of(item))

    def run(self):
        encoded = _query_last(self.url, CURSOR_PARAM)
        self.cursor = None if encoded is None else decode_cursor(encoded)
        if self.cursor is None:
            offset, reverse, current_position = 0, False, None
        else:
            offset, reverse, current_position = self.cursor.offset, self.cursor.reverse, self.cursor.position

        rows = list(reversed(self.items)) if reverse else list(self.items)
        if current_position is not None:
            boundary = self.ordering.parse(current_position)  # as Django reads `created_at__gt=<text>`
            if boundary is None:
                raise _invalid_cursor()
            # DRF: `field__lt` when the cursor's direction differs from the ordering's, else `field__gt`.
            if reverse != self.descending:
                rows = [row for row in rows if self.created_at_of(row) < boundary]
            else:
                rows = [row for row in rows if self.created_at_of(row) > boundary]

        fetched = rows[offset : offset + self.page_size + 1]
        self.page = fetched[: self.page_size]
        if len(fetched) > len(self.page):
            has_following, following_position = True, self.position(fetched[-1])
        else:
            has_following, following_position = False, None

        self.next_position = self.previous_position = None
        if reverse:
            self.page.reverse()
            self.has_next = current_position is not None or offset > 0
            self.has_previous = has_following
            if self.has_next:
                self.next_position = current_position
            if self.has_previous:
                self.previous_position = following_position
        else:
            self.has_next = has_following
            self.has_previous = current_position is not None or offset > 0
            if self.has_next:
                self.next_position = following_position
            if self.has_previous:
                self.previous_position = current_position
        return self.page, self.next_link(), self.previous_link()

    def _link(self, cursor):
        return _replace_query_param(self.url, CURSOR_PARAM, encode_cursor(cursor))

    def next_link(self):
        if not self.has_next:
            return None
        if self.page and self.cursor and self.cursor.reverse and self.cursor.offset:
            compare = self.position(self.page[-1])
        else:
            compare = self.next_position
        offset, position, unique = self._shared_run(reversed(self.page), compare)
        if self.page and not unique:
            if not self.has_previous:
                offset, position = self.page_size, None
            elif self.cursor.reverse:
                offset, position = 0, self.previous_position
            else:
                offset, position = self.cursor.offset + self.page_size, self.previous_position
        if not self.page:
            position = self.next_position
        return self._link(_Cursor(offset, False, position))

    def _shared_run(self, items, compare):
        """How many of `items` (from the page's edge) share one position with `compare`, as DRF counts a
        cursor's offset; and the first position that differs (`unique` when there is one)."""
        offset = 0
        for item in items:
            position = self.position(item)
            if position != compare:
                return offset, position, True
            compare = position
            offset += 1
        return offset, None, False

    def previous_link(self):
        if not self.has_previous:
            return None
        if self.page and self.cursor and not self.cursor.reverse and self.cursor.offset:
            compare = self.position(self.page[0])
        else:
            compare = self.previous_position
        offset, position, unique = self._shared_run(self.page, compare)
        if self.page and not unique:
            if not self.has_next:
                offset, position = self.page_size, None
            elif self.cursor.reverse:
                offset, position = self.cursor.offset + self.page_size, self.next_position
            else:
                offset, position = 0, self.next_position
        if not self.page:
            position = self.previous_position
        return self._link(_Cursor(offset, True, position))


def sort_oldest_first(items, created_at_of):
    """Items ordered by `created_at` ascending; rows with the same time keep their order (stable)."""
    return sorted(items, key=lambda item: _as_datetime(created_at_of(item)))



# -- the sandbox's own lists ---------------------------------------------------------------------------------

#: Items on a page of the sandbox's own lists when the request gives no `limit`.
DEFAULT_CONTROL_PAGE = 100
INVALID_CONTROL_CURSOR = "Invalid cursor: follow the next or previous link of a page as it is"


def page_limit(text, maximum, message):
    """A control list's `limit` query parameter: 100 when absent, at most `maximum` (SANDBOX_PAGE_LIMIT; a
    larger one gives pages of that size, as DRF caps a page size), else a 400 with `message`."""
    if text is None:
        return min(DEFAULT_CONTROL_PAGE, maximum)
    return min(query_int(text, message, 1), maximum)


def control_page(newest_first, position_of, url, page_size, ordering=BY_TIME):
    """One page of a sandbox list (`GET /sandbox/requests`, `/sandbox/webhooks/deliveries`), paged with the
    API's cursors but newest first and `page_size` items a page: `{"count", "next", "previous", "results"}`,
    `count` being how many items match in all. A cursor that cannot be read is a 400 `{"error": ...}` (the
    control plane's shape); `position_of(item)` must be unique enough that a page never ends inside a run
    of more than OFFSET_CUTOFF equal positions."""
    try:
        page, next_url, previous_url = paginate(
            newest_first, position_of, url, page_size=page_size, descending=True, ordering=ordering
        )
    except DetailError:
        raise SandboxInputError(INVALID_CONTROL_CURSOR) from None
    return {"count": len(newest_first), "next": next_url, "previous": previous_url, "results": page}
