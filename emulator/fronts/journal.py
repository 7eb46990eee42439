"""The request journal: every request the emulator answered, in order.

The journal middleware (:mod:`.middleware.journal`) records each request after it was
answered (401s, 404s and fault-rule answers included); ``GET /__emulator/requests`` and the
Python API (``Gateway.requests``, ``assert_called``) read it through the same
:class:`Query`, whose ``path`` is a pattern of :mod:`emulator.patterns`, the language fault
rules use too. The journal's own routes are not journaled. It is bounded (oldest entries
drop first) and so is each entry: bodies, the path and the query string are capped
(BODY_CAP, PATH_CAP, QUERY_CAP), so an entry keeps at most ~10 KB whatever the client
sends, and a long soak or a hostile client cannot eat memory. Recording is cheap (what
dispatch already knows is passed in; nothing is decoded until read), so it is always on.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import MultiMapping
from yarl import URL

from ..model.auth import Denied
from ..model.clock import ClockError, iso, parse_time
from ..model.errors import invalid
from ..model.roles import Role
from ..patterns import PathPattern, PatternError, path_pattern

MAX_ENTRIES = 10_000
BODY_CAP = 4096
"""Bytes of each request and response body kept (the rest is cut and flagged)."""
PATH_CAP = 1024
"""Characters of the path kept (a longer one is cut; ``path_size`` has its length)."""
QUERY_CAP = 1024
"""Characters of the raw query string kept, parsed only when read (cut at the cap)."""
JOURNAL_PATH = "/__emulator/requests"
FILTERS = ("method", "path", "status", "since", "limit", "role")


def wall_iso(t: float) -> str:
    """Wall-clock time with milliseconds: ``2026-05-09T07:35:25.123Z``."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _capped(raw: bytes | bytearray | None) -> bytes | None:
    """At most BODY_CAP bytes. A short ``bytes`` body is kept as it is: every body the
    fronts build holds only its bytes (:func:`.bodies.json_body` compacts orjson's
    buffer); anything longer, or mutable, is copied up to the cap."""
    if not raw:
        return None
    if type(raw) is bytes and len(raw) <= BODY_CAP:
        return raw
    return memoryview(raw)[:BODY_CAP].tobytes()


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "replace")


def credentials_sent(request: web.BaseRequest) -> str:
    """What the client sent (valid or not): ``bearer``, ``cookie`` or ``none``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "bearer"
    if request.cookies.get("sessionId"):
        return "cookie"
    return "none"


@dataclass(slots=True)
class JournalEntry:
    """One answered request. Treat it as read-only: it is shared with every reader."""

    seq: int
    """1, 2, 3, ... in arrival order; never reused, not even after a clear."""
    wall_time: float
    virtual_time: float
    method: str
    path: str
    """The first PATH_CAP characters of the path."""
    query_string: str
    """The first QUERY_CAP characters of the raw (still percent-encoded) query string,
    parsed by ``query``."""
    role: str
    """The role the request was recognised with (``anybody`` when its token was refused)."""
    credentials: str
    """What the client sent: ``bearer``, ``cookie`` or ``none``."""
    status: int
    elapsed_ms: float
    request_raw: bytes | None
    """The first BODY_CAP bytes of the request body (decoded only when read)."""
    response_raw: bytes | None
    request_size: int = 0
    response_size: int = 0
    content_header: str | None = None
    """The response's Content-Type header as sent (``content_type`` is its media type)."""
    reason: str | None = None
    """Why the caller was refused (a :class:`~emulator.model.tokens.Denial` code, e.g.
    ``expired``) when the answer is a 401; the client only sees the 401 page."""
    reason_detail: str = ""
    """The same in words (``token has expired``)."""
    path_size: int = 0
    query_size: int = 0

    @property
    def query(self) -> dict[str, Any]:
        """Query parameters; a repeated one maps to a list of its values."""
        if not self.query_string:
            return {}
        parsed = URL.build(query_string=self.query_string, encoded=True).query
        return {
            key: values[0] if len(values) == 1 else list(values)
            for key in dict.fromkeys(parsed)
            for values in (parsed.getall(key),)
        }

    @property
    def path_truncated(self) -> bool:
        return self.path_size > PATH_CAP

    @property
    def query_truncated(self) -> bool:
        return self.query_size > QUERY_CAP

    @property
    def content_type(self) -> str | None:
        """The response's media type (``application/json``), without parameters."""
        if self.content_header is None:
            return None
        return self.content_header.partition(";")[0].strip().lower()

    @property
    def request_body(self) -> str | None:
        return _text(self.request_raw)

    @property
    def response_body(self) -> str | None:
        return _text(self.response_raw)

    @property
    def request_truncated(self) -> bool:
        return self.request_size > BODY_CAP

    @property
    def response_truncated(self) -> bool:
        return self.response_size > BODY_CAP

    @property
    def target(self) -> str:
        """The path with its query string, as the client asked for it."""
        if not self.query_string:
            return self.path
        query = self.query
        pairs = [(k, v) for k, vs in query.items() for v in (vs if isinstance(vs, list) else [vs])]
        return self.path + "?" + "&".join(f"{k}={v}" for k, v in pairs)

    def json(self) -> Any:
        """The request body parsed as JSON (``None`` when empty, not JSON or truncated)."""
        return _parse_json(self.request_body, self.request_truncated)

    def response_json(self) -> Any:
        return _parse_json(self.response_body, self.response_truncated)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": wall_iso(self.wall_time),
            "virtual_time": iso(self.virtual_time),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "role": self.role,
            "credentials": self.credentials,
            "status": self.status,
            "reason": self.reason,
            "reason_detail": self.reason_detail or None,
            "path_size": self.path_size,
            "query_size": self.query_size,
            "truncated_url": self.path_truncated or self.query_truncated,
            "elapsed_ms": self.elapsed_ms,
            "request": {
                "body": self.request_body,
                "size": self.request_size,
                "truncated": self.request_truncated,
            },
            "response": {
                "body": self.response_body,
                "size": self.response_size,
                "truncated": self.response_truncated,
                "content_type": self.content_type,
            },
        }

    def line(self, width: int = 160) -> str:
        """One line for humans (failure reports, assertion messages)."""
        head = (
            f"#{self.seq} {iso(self.virtual_time)} {self.method} {self.target} -> {self.status}"
            f" role={self.role} sent={self.credentials} {self.elapsed_ms:.1f}ms"
        )
        if self.reason:
            head += f" reason={self.reason}"
        extras = []
        if self.request_body:
            extras.append("req=" + _squash(self.request_body))
        if self.response_body and self.status >= 400:
            extras.append("resp=" + _squash(self.response_body))
        text = " ".join([head, *extras])
        return text if len(text) <= width else text[: width - 3] + "..."


def _squash(body: str) -> str:
    return " ".join(body.split())


def _parse_json(body: str | None, truncated: bool) -> Any:
    if body is None or truncated:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


path_matcher = path_pattern
"""A journal ``path`` filter is a pattern of :mod:`emulator.patterns` (as fault rules are)."""


@dataclass(frozen=True)
class Query:
    """Journal filters; every field optional. ``since`` is a sequence number (entries after
    it) or a time (entries at or after it on the emulator's clock); ``limit`` keeps the last
    N matches. ``status`` is a code (``401``) or a class (``4xx``)."""

    method: str | None = None
    path: str | None = None
    status: int | str | None = None
    since: int | float | None = None
    since_is_seq: bool = True
    limit: int | None = None
    role: str | None = None
    _methods: frozenset[str] = field(default=frozenset(), repr=False)
    _pattern: PathPattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.path is not None:
            try:
                object.__setattr__(self, "_pattern", path_pattern(self.path))
            except PatternError as exc:
                raise invalid(f"'path': {exc}", "path") from None

    @classmethod
    def build(
        cls,
        method: str | None = None,
        path: str | None = None,
        status: int | str | None = None,
        since: int | str | float | datetime | None = None,
        limit: int | str | None = None,
        role: str | None = None,
    ) -> Query:
        """Check and normalise filter values; a bad one raises a 400 naming it."""
        methods: frozenset[str] = frozenset()
        if method is not None:
            methods = frozenset(m.strip().upper() for m in str(method).split(",") if m.strip())
            if not methods or not all(m.isalpha() for m in methods):
                raise invalid(f"'method' must be an HTTP method like GET, got {method!r}", "method")
        if path is not None:
            path = str(path)
            if not path.startswith(("/", "*")):
                raise invalid(f"'path' must start with '/' (or '*'), got {path!r}", "path")
        status = _status(status)
        since_value: int | float | None = None
        since_is_seq = True
        if since is not None:
            since_value, since_is_seq = _since(since)
        limit_value = None
        if limit is not None:
            limit_value = _int(limit, "limit", low=1)
        if role is not None:
            try:
                role = Role.parse(str(role)).label
            except ValueError as exc:
                raise invalid(str(exc), "role") from None
        return cls(
            method=",".join(sorted(methods)) or None,
            path=path,
            status=status,
            since=since_value,
            since_is_seq=since_is_seq,
            limit=limit_value,
            role=role,
            _methods=methods,
        )

    @classmethod
    def from_query_string(cls, query: MultiMapping[str]) -> Query:
        """Filters from ``GET /__emulator/requests?...``; an unknown or repeated one is a 400."""
        for name in query:
            if name not in FILTERS:
                known = ", ".join(FILTERS)
                raise invalid(f"unknown filter {name!r}; the filters are {known}", name)
            if len(query.getall(name)) > 1:
                raise invalid(f"give the filter {name!r} once", name)
        return cls.build(**{k: query[k] for k in FILTERS if k in query})

    def matches(self, entry: JournalEntry) -> bool:
        if self._methods and entry.method not in self._methods:
            return False
        if self._pattern is not None and not self._pattern.match(entry.path):
            return False
        if self.status is not None:
            if isinstance(self.status, int):
                if entry.status != self.status:
                    return False
            elif entry.status // 100 != int(self.status[0]):
                return False
        if self.since is not None:
            if self.since_is_seq:
                if entry.seq <= self.since:
                    return False
            elif entry.virtual_time < self.since:
                return False
        return self.role is None or entry.role == self.role

    def select(self, entries: Iterable[JournalEntry]) -> list[JournalEntry]:
        found = [e for e in entries if self.matches(e)]
        if self.limit is not None:
            found = found[-self.limit :]
        return found

    def describe(self) -> str:
        parts = [f"{k}={getattr(self, k)!r}" for k in FILTERS if getattr(self, k) is not None]
        return ", ".join(parts) or "no filter"


def _int(value: object, name: str, low: int = 0) -> int:
    if isinstance(value, bool):
        raise invalid(f"{name!r} must be a whole number, got {value!r}", name)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise invalid(f"{name!r} must be a whole number, got {value!r}", name) from None
    if number < low:
        raise invalid(f"{name!r} must be >= {low}, got {number}", name)
    return number


def _status(value: int | str | None) -> int | str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if re.fullmatch(r"[1-5]xx", text):
        return text
    if isinstance(value, bool) or not re.fullmatch(r"[1-5]\d\d", text):
        raise invalid(
            f"'status' must be an HTTP status like 401 or a class like 4xx, got {value!r}",
            "status",
        )
    return int(text)


def _since(value: int | str | float | datetime) -> tuple[int | float, bool]:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp(), False
    if isinstance(value, bool):
        raise invalid(f"'since' must be a sequence number or an ISO time, got {value!r}", "since")
    if isinstance(value, int):
        return _int(value, "since"), True
    if isinstance(value, float):
        return value, False
    text = str(value).strip()
    if text.isdigit():
        return int(text), True
    try:
        return parse_time(text), False
    except ClockError:
        raise invalid(
            f"'since' must be a sequence number or an ISO time like 2026-06-01T12:00:00Z, "
            f"got {value!r}",
            "since",
        ) from None


Subscriber = Callable[[JournalEntry], None]
"""Called with each entry just after it was recorded (a live tail, a dashboard)."""

log = logging.getLogger("emulator.journal")


class Journal:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.entries: deque[JournalEntry] = deque(maxlen=max_entries)
        self.last_seq = 0
        self.dropped = 0
        """Entries evicted because the journal was full (clearing does not count)."""
        self._subscribers: tuple[Subscriber, ...] = ()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(entry)`` after every recorded entry, on the event loop, until
        the returned function is called. A callback must be quick and must not raise (an
        exception is logged and dropped, so one bad subscriber cannot fail a request).
        With no subscriber recording pays one empty-tuple test."""
        self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            subs = list(self._subscribers)
            if callback in subs:
                subs.remove(callback)
                self._subscribers = tuple(subs)

        return unsubscribe

    def _publish(self, entry: JournalEntry) -> None:
        for callback in self._subscribers:
            try:
                callback(entry)
            except Exception:  # a subscriber's bug must not turn into the client's 500
                log.exception("journal subscriber %r failed", callback)

    def record(
        self,
        request: web.Request,
        response: web.StreamResponse,
        role: Role,
        virtual_time: float,
        elapsed_ms: float,
        *,
        credentials: str | None = None,
        denied: Denied | None = None,
        body: bytes | None = None,
    ) -> None:
        """Keep one answered request. ``credentials`` (``bearer``/``cookie``/``none``),
        ``denied`` and the request ``body`` come from the guards, which judged and read
        them already; without ``credentials`` the headers are read (unmatched routes, no
        auth guard)."""
        path = request.path
        if path.startswith(JOURNAL_PATH) and (
            len(path) == len(JOURNAL_PATH) or path[len(JOURNAL_PATH)] == "/"
        ):
            return
        raw_response = response.body if isinstance(response, web.Response) else None
        if type(raw_response) is not bytes and not isinstance(raw_response, bytearray):
            raw_response = None  # a payload object (a file, a stream): not recorded
        query = request.rel_url.raw_query_string  # raw: decoding first would split "%26"
        entries = self.entries
        if len(entries) == entries.maxlen:
            self.dropped += 1
        self.last_seq += 1
        entry = JournalEntry(
            self.last_seq,
            time.time(),
            virtual_time,
            request.method,
            path if len(path) <= PATH_CAP else path[:PATH_CAP],
            query if len(query) <= QUERY_CAP else query[:QUERY_CAP],
            role.label,
            credentials if credentials is not None else credentials_sent(request),
            response.status,
            round(elapsed_ms, 3),
            _capped(body),
            _capped(raw_response),
            len(body) if body else 0,
            len(raw_response) if raw_response else 0,
            response.headers.get("Content-Type") if raw_response is not None else None,
            None if denied is None else denied.reason.value,
            "" if denied is None else denied.detail,
            len(path),
            len(query),
        )
        entries.append(entry)
        if self._subscribers:
            self._publish(entry)

    def select(self, query: Query | None = None) -> list[JournalEntry]:
        return (query or Query()).select(self.entries)

    def clear(self) -> int:
        cleared = len(self.entries)
        self.entries.clear()
        return cleared

    def tail(self, count: int = 20) -> list[JournalEntry]:
        return list(self.entries)[-count:] if count > 0 else []

    def __len__(self) -> int:
        return len(self.entries)
