"""The sandbox's own listening address, where no webhook may ever go: a bot's webhook aimed at
`/sandbox/reset` would otherwise wipe every project.

The address is `settings.listen_host`/`listen_port`, set by `serve` and the pytest plugin once the socket
is bound. Under another WSGI server they are None, and the `SERVER_NAME`/`SERVER_PORT` of the requests'
WSGI environs stand in (at most MAX_LEARNED pairs). A host listening on every interface (`0.0.0.0`, `::`)
owns every local address, and so does one whose name does not resolve (waitress names itself
`waitress.invalid`).

A URL reaches the sandbox when its port is a listening port and its host resolves to an owned address.
Only then is a name resolved, so an ordinary receiver costs no lookup. The check runs when a
subscription is made (bot create, project create) and again before each delivery attempt, in case the
name resolves to the sandbox later.
"""

import ipaddress
import socket
import threading
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
EVERY_INTERFACE = ("", "0.0.0.0", "::", "*")
MAX_LEARNED = 8  # SERVER_NAME/SERVER_PORT pairs remembered from the requests of another WSGI server


class OwnAddress:
    """`sandbox.own_address`: where the sandbox listens, and whether a webhook URL would reach it."""

    def __init__(self, settings):
        self.settings = settings
        self._learned = []
        self._lock = threading.Lock()

    def learn(self, environ):
        """Remember the address a request's WSGI environ names, when the listening one is unknown."""
        if self.settings.listen_port is not None:
            return
        host = str(environ.get("SERVER_NAME") or "")
        try:
            port = int(environ.get("SERVER_PORT") or 0)
        except ValueError:
            return
        if not 0 < port < 65536:
            return
        with self._lock:
            if (host, port) not in self._learned and len(self._learned) < MAX_LEARNED:
                self._learned.append((host, port))

    def listening(self):
        """[(host, port)] the sandbox is reached at."""
        if self.settings.listen_port is not None:
            return [(self.settings.listen_host or "", int(self.settings.listen_port))]
        with self._lock:
            return list(self._learned)

    def reached_by(self, url):
        """`host:port` of the sandbox when `url` would reach it, else None (bad URLs are someone else's
        business: they fail on their own)."""
        try:
            parts = urlsplit(url)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
            host = parts.hostname
        except (ValueError, AttributeError, TypeError):
            return None
        if not host or port is None:
            return None
        listeners = [listen_host for listen_host, listen_port in self.listening() if listen_port == port]
        if not listeners:
            return None
        targets = _resolve(host, port)
        if not targets:
            return None  # nowhere to connect to: not the sandbox
        for listen_host in listeners:
            if _owned(listen_host, port, targets):
                shown = f"[{listen_host}]" if ":" in listen_host else (listen_host or "0.0.0.0")
                return f"{shown}:{port}"
        return None


def _resolve(host, port):
    """The addresses `host` resolves to (IPv4-mapped IPv6 as IPv4), or an empty set."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return set()
    addresses = set()
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        except ValueError:
            continue
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        addresses.add(address)
    return addresses


def _owned(listen_host, port, targets):
    """Whether a server listening on `listen_host` answers a connection to any of `targets`."""
    if any(target.is_unspecified for target in targets):
        return True  # connecting to 0.0.0.0 or :: reaches this machine
    owned = None if listen_host in EVERY_INTERFACE else _resolve(listen_host, port)
    if not owned:  # every interface, or a name nobody can resolve: every local address
        return any(_is_local(target) for target in targets)
    return bool(owned & targets)


def _is_local(address):
    """An address of this machine: loopback, or one a socket can be bound to."""
    if address.is_loopback:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(address), 0))
        return True
    except OSError:
        return False
