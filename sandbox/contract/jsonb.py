"""Postgres JSONB key order, which the real server's stored objects come back in.

JSONB sorts an object's keys by length first, then by their bytes: `{"zz":"1","a":"2","bbb":"3","b":"4"}`
reads back as `{"a":"2","b":"4","zz":"1","bbb":"3"}` (docs/contract/bot-object.md#bot-object). Nested objects too.
"""


def jsonb_order(value):
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: jsonb_order(value[k]) for k in keys}
    if isinstance(value, list):
        return [jsonb_order(v) for v in value]
    return value
