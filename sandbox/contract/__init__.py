"""The real server's rules as data and pure code: its messages, datetime formats, request serializers and
jsonschema documents. No Flask here, and nothing that reads or writes the store: the domain and the web
layer both import from this package, never the other way round."""
