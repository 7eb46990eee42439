"""One path-pattern language (emulator.patterns) for journal filters and fault rules."""

from __future__ import annotations

import time

import pytest

from emulator.fronts.journal import Query
from emulator.model.errors import ModelError
from emulator.model.faults import Rule
from emulator.patterns import MAX_LENGTH, PatternError, path_pattern
from emulator.testing import Gateway

SN = "202200000001"
STATUS = f"/ivp/pdm/charger/{SN}/status"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/ivp/pdm/charger/{sn}/status", STATUS, True),
        ("/ivp/pdm/charger/{sn}/status", "/ivp/pdm/charger//status", False),
        ("/ivp/pdm/charger/{sn}/*", STATUS, True),
        ("/ivp/pdm/charger/{sn}/*", STATUS + "/more", False),  # new style: one segment
        ("/ivp/{x}/charger/*/status", STATUS, True),
        ("/ivp/{x}/*/status", STATUS, False),
        ("/ivp/**/status", STATUS, True),
        ("/ivp/**/status", "/ivp/status", True),  # ** as a segment: zero segments too
        ("/ivp/**", "/ivp/pdm/chargers", True),
        ("/ivp/**", "/ivp", False),
        ("/ivp/pdm/charger/{sn}/stat?s", STATUS, True),
        ("/ivp/pdm/charger/{sn}/status?", STATUS, False),
        ("/info", "/info", True),
        ("/info", "/info/", False),
        ("/a.b", "/aXb", False),  # literal, not a regex
        ("/a+b", "/a+b", True),
        ("/x/ü*", "/x/über", True),
        ("/x/?", "/x/ü", True),  # one character, not one byte
        ("/x/*", "/x/\udc80", True),  # any str can be asked about
    ],
)
def test_the_language(pattern: str, path: str, expected: bool) -> None:
    assert path_pattern(pattern).match(path) is expected


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("/ivp/pdm/*", "/ivp/pdm/charger/1/status"),  # the README's journal filter
        ("/ivp/pdm/*/start_charging", f"/ivp/pdm/charger/{SN}/start_charging"),
        ("/ivp/*/status", STATUS),
        ("/*", "/ivp/peb/ev_chargers"),
        ("/inf?", "/info"),
        ("*status", STATUS),
    ],
)
def test_old_style_patterns_keep_matching_across_slashes(pattern: str, path: str) -> None:
    """Neither {name} nor **: the old glob reading, where * and ? also match '/'."""
    assert path_pattern(pattern).match(path)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("/ivp/[ab]", "character sets"),
        ("/ivp/{sn", "'{'"),
        ("/ivp/sn}", "'}'"),
        ("/" + "a" * MAX_LENGTH, f"at most {MAX_LENGTH} characters"),
    ],
)
def test_unusable_patterns_say_why(pattern: str, words: str) -> None:
    with pytest.raises(PatternError, match=words.replace("[", r"\[").replace("{", r"\{")):
        path_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    ["/a*a*a*a*a*a*a*a*b", "/{x}*a*a*a*a*a*a*a*b", "/**a**a**a**a**a**a**b", "*a*a*a*a*a*a*a*b"],
)
def test_a_pathological_pattern_matches_in_linear_time(pattern: str) -> None:
    compiled = path_pattern(pattern)
    path = "/" + "a" * 20_000
    started = time.perf_counter()
    assert not compiled.match(path)
    assert time.perf_counter() - started < 0.1


def test_journal_filters_and_fault_rules_share_one_matcher() -> None:
    pattern = "/ivp/pdm/charger/{sn}/status"
    rule = Rule.parse(0, {"path": pattern, "status": 503}, seed=1)
    query = Query.build(path=pattern)
    assert rule.pattern is query._pattern is path_pattern(pattern)


def test_a_bad_fault_rule_path_is_a_validation_error() -> None:
    with pytest.raises(ModelError, match="character sets") as caught:
        Rule.parse(0, {"path": "/ivp/[ab]/x", "status": 503}, seed=1)
    assert caught.value.field == "path"
    with pytest.raises(ModelError, match=f"at most {MAX_LENGTH}"):
        Rule.parse(0, {"path": "/" + "x" * 300, "status": 503}, seed=1)


async def test_an_over_long_journal_filter_is_a_400_naming_the_limit(certs_dir) -> None:  # type: ignore[no-untyped-def]
    async with Gateway.start(certs_dir=certs_dir) as gw:
        url = f"{gw.url}/__emulator/requests"
        async with gw.client().get(url, params={"path": "/" + "a" * 300}) as response:
            assert response.status == 400
            error = (await response.json())["error"]
        assert error["field"] == "path"
        assert f"at most {MAX_LENGTH} characters" in error["message"]
