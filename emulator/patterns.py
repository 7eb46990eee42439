"""The one path-pattern language users write: journal filters and fault rules both use it.

- ``{name}`` matches exactly one path segment (one character or more, no ``/``);
- ``*`` matches any run of characters within one segment (none too);
- ``?`` matches one character within one segment;
- ``**`` matches any run of characters, ``/`` included; as a whole segment (``/a/**/b``) it
  also matches no segment at all (``/a/b``);
- everything else is literal, but ``[`` and ``]`` are refused: old fault rules (``fnmatch``
  globs) read them as character sets, and a set silently read as literal text would never
  match. Write ``?``, ``*`` or ``{name}`` instead.

**Old-style patterns.** Before this language, journal filters and fault rules were globs
whose ``*`` and ``?`` also matched ``/``. A pattern that uses neither ``{name}`` nor ``**``
is read that way still, so every pattern written before keeps matching what it matched:
``/ivp/pdm/*`` is everything under ``/ivp/pdm/``, and ``/ivp/pdm/*/start_charging`` still
matches ``/ivp/pdm/charger/SN/start_charging``. Using ``{name}`` or ``**`` anywhere opts
the whole pattern into one-segment ``*`` and ``?``.

Patterns are compiled to RE2 expressions, so a match takes time linear in the path
whatever the pattern (no backtracking), and are at most :data:`MAX_LENGTH` characters.
This module imports nothing from the emulator: the model and the fronts both use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import re2

__all__ = ["MAX_LENGTH", "PathPattern", "PatternError", "path_pattern"]

MAX_LENGTH = 256
"""Characters in one pattern; longer ones are refused (a 400 over HTTP)."""

_TOKENS = re.compile(r"(\{[^{}/]*\}|\*+|\?)")
_REFUSED = {
    "[": "character sets like [abc] are not supported; use ?, * or {name}",
    "]": "character sets like [abc] are not supported; use ?, * or {name}",
    "{": "'{' must open a segment name like {sn}",
    "}": "'}' must close a segment name like {sn}",
}
_OPTIONS = re2.Options()
_OPTIONS.dot_nl = True
_OPTIONS.never_capture = True


class PatternError(ValueError):
    """A pattern that cannot be used; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A compiled pattern. Paths are matched as UTF-8 bytes, lone surrogates (from odd
    percent-escapes) passed through, so any ``str`` can be asked about."""

    text: str
    regex: str
    """The RE2 expression it compiled to (over bytes), for error messages and tests."""
    _compiled: re2._Regexp[bytes] = field(repr=False, compare=False)

    def match(self, path: str) -> bool:
        """Whether the whole path matches."""
        return self._compiled.fullmatch(path.encode("utf-8", "surrogatepass")) is not None


@lru_cache(maxsize=512)
def path_pattern(text: str) -> PathPattern:
    """Compile a pattern (cached: every user of one text shares one compiled pattern)."""
    if len(text) > MAX_LENGTH:
        raise PatternError(
            f"a path pattern is at most {MAX_LENGTH} characters; this one has {len(text)}"
        )
    pieces = _TOKENS.split(text)
    literals, tokens = pieces[0::2], pieces[1::2]
    for literal in literals:
        for char, message in _REFUSED.items():
            if char in literal:
                raise PatternError(f"{message} (in {text!r})")
    old_style = not any(t.startswith("{") or len(t) > 1 for t in tokens)
    out = [_escape(literals[0])]
    for i, token in enumerate(tokens):
        before, after = literals[i], literals[i + 1]
        if token.startswith("{"):
            out.append(b"[^/]+")
        elif token == "?":
            out.append(b"." if old_style else b"[^/]")
        elif len(token) > 1 and before.endswith("/") and after.startswith("/"):
            out.append(b"(?:.*/)?")  # ** as a whole segment: no segment matches too
            after = after[1:]
        elif len(token) > 1 or old_style:
            out.append(b".*")
        else:
            out.append(b"[^/]*")
        out.append(_escape(after))
    regex = b"".join(out)
    return PathPattern(text, regex.decode("utf-8", "surrogatepass"), re2.compile(regex, _OPTIONS))


def _escape(literal: str) -> bytes:
    return re2.escape(literal.encode("utf-8", "surrogatepass"))
