"""Assertions over the request journal, with failure messages that list what was called."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable, Mapping
from typing import Any

from ..fronts.journal import JournalEntry, Query

TAIL = 20


def _subset(expected: Any, actual: Any) -> bool:
    """``expected`` is contained in ``actual``: dict keys recursively, anything else equal."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def _matching(
    entries: Iterable[JournalEntry],
    method: str,
    path: str,
    status: int | str | None,
    role: str | None,
    json: Any,
) -> list[JournalEntry]:
    query = Query.build(method=method, path=path, status=status, role=role)
    found = query.select(entries)
    if json is not None:
        found = [e for e in found if _subset(json, e.json())]
    return found


def _describe(method: str, path: str, status: Any, role: Any, json: Any) -> str:
    words = [method.upper(), path]
    if status is not None:
        words.append(f"answered {status}")
    if role is not None:
        words.append(f"as {role}")
    if json is not None:
        words.append(f"with a body containing {jsonlib.dumps(json)}")
    return " ".join(words)


def _listing(entries: list[JournalEntry], title: str) -> str:
    if not entries:
        return "The gateway received no requests."
    shown = entries[-TAIL:]
    head = f"{title} (last {len(shown)} of {len(entries)}, oldest first):"
    return "\n".join([head, *("  " + e.line() for e in shown)])


def check_called(
    entries: list[JournalEntry],
    method: str,
    path: str,
    times: int | None = None,
    *,
    status: int | str | None = None,
    role: str | None = None,
    json: Any = None,
) -> list[JournalEntry]:
    __tracebackhide__ = True
    found = _matching(entries, method, path, status, role, json)
    if (times is None and found) or (times is not None and len(found) == times):
        return found
    what = _describe(method, path, status, role, json)
    expected = "at least once" if times is None else f"{times} time(s)"
    raise AssertionError(
        f"expected {what} {expected}, but it was called {len(found)} time(s).\n"
        + _listing(entries, "Requests the gateway received")
    )


def check_not_called(
    entries: list[JournalEntry],
    method: str,
    path: str,
    *,
    status: int | str | None = None,
    role: str | None = None,
    json: Any = None,
) -> None:
    __tracebackhide__ = True
    found = _matching(entries, method, path, status, role, json)
    if found:
        what = _describe(method, path, status, role, json)
        raise AssertionError(
            f"expected no {what}, but it was called {len(found)} time(s).\n"
            + _listing(found, "The matching requests")
        )


def journal_report(entries: list[JournalEntry], url: str, count: int = TAIL) -> str:
    """The tail of the journal for a failed test's report."""
    if not entries:
        return f"{url}: the client made no requests."
    shown = entries[-count:]
    lines = [
        f"{url}: last {len(shown)} of {len(entries)} requests, oldest first "
        f"(all of them: GET {url}/__emulator/requests)"
    ]
    lines += [e.line(200) for e in shown]
    return "\n".join(lines)
