"""The site's energy: PV array, house load, chargers, and the meters that watch them.

Event-driven like the chargers: every power is constant between change points (a solar
step, a load step, a charger event), so energy is integrated exactly. The integration is
done in integers (powers in mW, times in ms, energy in µJ): a sum of integer segments does
not depend on where the segments were cut, so the counters are identical whether the
clock moved in one step or in 3,600, and whatever extra ``fold`` calls happened.

Reading (``view``) never changes the model: it integrates the pending part on a copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .energy_spec import (
    REPORT_PERIOD_S,
    SEVEN_DAYS,
    UJ_PER_WH,
    ArraySpec,
    ConsumptionCt,
    MeteringSpec,
    StartCounters,
    apportion,
    ms,
    mw,
)
from .energy_view import (
    Electrics,
    Energy,
    EnergyView,
    FlowKind,
    InverterView,
    Meter,
    combine,
    electrics,
    make_flow,
    phase_volts,
    wh,
)
from .errors import invalid
from .loads import HouseLoad
from .solar import SolarProfile

__all__ = [
    "ArraySpec",
    "ConsumptionCt",
    "EnergyModel",
    "MeteringSpec",
    "StartCounters",
    "apportion",
]


@dataclass
class _Counters:
    """µJ per phase (production, consumption, import, export) and per inverter."""

    prod: list[int]
    cons: list[int]
    imp: list[int]
    exp: list[int]
    inv: list[int]

    def copy(self) -> _Counters:
        return _Counters([*self.prod], [*self.cons], [*self.imp], [*self.exp], [*self.inv])


@dataclass(frozen=True)
class _Powers:
    """mW of one constant segment, per phase and per inverter."""

    inv: tuple[int, ...]
    prod: tuple[int, ...]
    cons: tuple[int, ...]
    net: tuple[int, ...]


@dataclass
class _Snapshots:
    """Counters at recent local midnights (ms -> counters), for "today" and "7 days"."""

    start_ms: int
    start: _Counters
    by_midnight: dict[int, _Counters] = field(default_factory=dict)

    def at(self, midnight_ms: int) -> _Counters:
        if midnight_ms <= self.start_ms:
            return self.start  # before the emulation began: count from its start
        return self.by_midnight[midnight_ms]

    def keep_recent(self) -> None:
        for old in sorted(self.by_midnight)[: -(SEVEN_DAYS + 1)]:
            del self.by_midnight[old]


class EnergyModel:
    """The site's meters. The world calls ``fold(t, chargers_w)`` whenever the chargers'
    power may change (and, for cheap reads, at each ``next_change``), and reads ``view``.
    """

    def __init__(
        self,
        metering: MeteringSpec,
        array: ArraySpec,
        solar: SolarProfile,
        load: HouseLoad,
        tz: ZoneInfo,
        t0: float,
        start: StartCounters | None = None,
    ) -> None:
        self.metering = metering
        self.array = array
        self.solar = solar
        self.load = load
        self.tz = tz
        n = metering.phases
        self._inverter_phase = tuple(i % n for i in range(len(array.serials)))
        self._t = t0
        self._chargers_mw: tuple[int, ...] = (0,) * n
        self._powers_cache: dict[tuple[int, int, tuple[int, ...]], _Powers] = {}
        self._shares_cache: dict[int, tuple[int, ...]] = {}
        self._phases_cache: dict[int, tuple[int, ...]] = {}
        self._midnight_after: tuple[float, float] | None = None
        """The last ``_next_midnight`` answer, (t, midnight)."""
        self._counters = self._initial(start or StartCounters())
        self._snapshots = _Snapshots(ms(t0), self._counters.copy())
        self._max_report_w = self._profile_peaks()

    # -- building ---------------------------------------------------------------------

    def _initial(self, start: StartCounters) -> _Counters:
        n = self.metering.phases
        inv = list(apportion(round(start.production_wh * UJ_PER_WH), self.array.weights))
        prod = [0] * n
        for i, energy in enumerate(inv):
            prod[self._inverter_phase[i]] += energy
        cons = list(apportion(round(start.consumption_wh * UJ_PER_WH), self.metering.split))
        exp = list(apportion(round(start.export_wh * UJ_PER_WH), (1,) * n))
        # A phase cannot import a negative amount: more export there instead.
        exp = [max(e, p - c) for e, p, c in zip(exp, prod, cons, strict=True)]
        imp = [c - p + e for c, p, e in zip(cons, prod, exp, strict=True)]
        return _Counters(prod, cons, imp, exp, inv)

    def _profile_peaks(self) -> tuple[int, ...]:
        """[DESIGN] maxReportWatts: each inverter's share of the profile's best step."""
        peaks = [0] * len(self.array.serials)
        for step in set(self.solar.steps_w):
            for i, share in enumerate(apportion(mw(step), self.array.weights)):
                peaks[i] = max(peaks[i], round(share / 1000))
        return tuple(peaks)

    # -- instantaneous (pure) -----------------------------------------------------------

    def production_w(self, t: float) -> float:
        return mw(self.solar.production_w(t)) / 1000

    def house_load_w(self, t: float) -> float:
        return mw(self.load.power_w(t)) / 1000

    def green_surplus_w(self, t: float, non_green_chargers_w: float) -> float:
        """What GREEN charging may take: production - house load - the chargers that are
        not green, in the meters' own quantised numbers; never negative."""
        surplus = mw(self.solar.production_w(t)) - mw(self.load.power_w(t))
        return max(0, surplus - mw(non_green_chargers_w)) / 1000

    def next_change(self, t: float) -> float:
        """The next solar step, load step or local midnight after ``t``."""
        return self._change_points(t)[1]

    def _change_points(self, t: float) -> tuple[float, float]:
        """(next local midnight, next change of any kind) after ``t``."""
        midnight = self._next_midnight(t)
        nxt = midnight
        if not self.solar.is_dark:
            solar = self.solar.next_change(t)
            nxt = solar if t < solar < nxt else nxt
        load = self.load.next_change(t)
        if load is not None and t < load < nxt:
            nxt = load
        return midnight, nxt

    # -- changing -----------------------------------------------------------------------

    def fold(self, t: float, chargers_w: float | Sequence[float]) -> None:
        """Bank energy up to ``t`` with the chargers' previous power, then take
        ``chargers_w`` (a total, spread evenly over the phases, or one value per phase)
        as their power from ``t`` on. Extra calls change nothing."""
        chargers = self._charger_phases(chargers_w)  # refuse before changing anything
        if t > self._t:
            self._walk(self._counters, self._t, t, self._chargers_mw, self._snapshots)
            self._snapshots.keep_recent()
            self._t = t
        self._chargers_mw = chargers

    def _charger_phases(self, chargers_w: float | Sequence[float]) -> tuple[int, ...]:
        n = self.metering.phases
        if isinstance(chargers_w, (int, float)):
            if chargers_w < 0:
                raise invalid("chargers' power cannot be negative", "chargers_w")
            total = mw(chargers_w)
            phases = self._phases_cache.get(total)
            if phases is None:
                phases = apportion(total, (1,) * n)
                if len(self._phases_cache) < 4096:
                    self._phases_cache[total] = phases
            return phases
        values = tuple(mw(w) for w in chargers_w)
        if len(values) != n or min(values) < 0:
            raise invalid(f"chargers_w per phase needs {n} values >= 0", "chargers_w")
        return values

    # -- integration --------------------------------------------------------------------

    def _powers(self, t: float, chargers: tuple[int, ...]) -> _Powers:
        key = (mw(self.solar.production_w(t)), mw(self.load.power_w(t)), chargers)
        cached = self._powers_cache.get(key)
        if cached is None:
            n = self.metering.phases
            inv = self._shares(key[0])
            prod = [0] * n
            for i, share in enumerate(inv):
                prod[self._inverter_phase[i]] += share
            load = apportion(key[1], self.metering.split)
            cons = tuple(a + c for a, c in zip(load, chargers, strict=True))
            net = tuple(c - p for c, p in zip(cons, prod, strict=True))
            cached = _Powers(inv, tuple(prod), cons, net)
            if len(self._powers_cache) < 4096:
                self._powers_cache[key] = cached
        return cached

    def _shares(self, production_mw: int) -> tuple[int, ...]:
        """Each inverter's mW of the array's, memoised: a profile has few distinct steps."""
        shares = self._shares_cache.get(production_mw)
        if shares is None:
            shares = apportion(production_mw, self.array.weights)
            if len(self._shares_cache) < 4096:
                self._shares_cache[production_mw] = shares
        return shares

    def _walk(
        self,
        c: _Counters,
        a: float,
        b: float,
        chargers: tuple[int, ...],
        snapshots: _Snapshots,
    ) -> None:
        """Add the energy of [a, b] to ``c``, cut at every change point; note the
        counters at each local midnight crossed."""
        cur = a
        while cur < b:
            midnight, nxt = self._change_points(cur)
            nxt = min(b, nxt)
            p = self._powers(cur, chargers)
            dt = ms(nxt) - ms(cur)
            for ph in range(len(p.prod)):
                c.prod[ph] += p.prod[ph] * dt
                c.cons[ph] += p.cons[ph] * dt
                net = p.net[ph]
                if net > 0:
                    c.imp[ph] += net * dt
                else:
                    c.exp[ph] -= net * dt
            for i, share in enumerate(p.inv):
                c.inv[i] += share * dt
            cur = nxt
            if cur == midnight:
                snapshots.by_midnight[ms(cur)] = c.copy()

    def _next_midnight(self, t: float) -> float:
        last = self._midnight_after
        if last is not None and last[0] == t:
            return last[1]
        today = datetime.fromtimestamp(t, self.tz).date()
        midnight = self._midnight(today + timedelta(days=1))
        self._midnight_after = (t, midnight)
        return midnight

    def _midnight(self, day: date) -> float:
        return datetime.combine(day, time(0), tzinfo=self.tz).timestamp()

    # -- reading ------------------------------------------------------------------------

    def view(self, t: float) -> EnergyView:
        """Every number the routes need at ``t``, from a copy: reading changes nothing."""
        t = max(t, self._t)
        now = self._counters.copy()
        snapshots = _Snapshots(
            self._snapshots.start_ms, self._snapshots.start, dict(self._snapshots.by_midnight)
        )
        self._walk(now, self._t, t, self._chargers_mw, snapshots)
        today = datetime.fromtimestamp(t, self.tz).date()
        midnight = snapshots.at(ms(self._midnight(today)))
        week = snapshots.at(ms(self._midnight(today - timedelta(days=SEVEN_DAYS - 1))))
        p = self._powers(t, self._chargers_mw)
        spec = self.metering
        volts = [phase_volts(spec.volts, ph, p.net[ph] / 1000) for ph in range(spec.phases)]

        def meter(kind: FlowKind, watts: Iterable[int], dl: str, rc: str | None) -> Meter:
            parts: list[Electrics] = []
            energies: list[Energy] = []
            for ph, w in enumerate(watts):
                parts.append(electrics(kind, w / 1000, volts[ph]))
                energies.append(_energy(now, midnight, week, dl, rc, ph))
            return _meter(kind, parts, energies)

        consumption = net = None
        if spec.consumption is not None:
            consumption = meter("consumption", p.cons, "cons", None)
            net = meter("net", p.net, "imp", "exp")
        return EnergyView(
            at=t,
            reading_time=int(t),
            metered=spec.metered,
            production_ct=spec.has_production_ct,
            consumption_ct=spec.consumption,
            phases=spec.phases,
            phase_mode=spec.phase_mode,
            frequency_hz=spec.hz,
            production=meter("production", p.prod, "prod", None),
            consumption=consumption,
            net=net,
            inverters=self._inverters(t, p, now),
            house_load_w=self.house_load_w(t),
            chargers_w=sum(self._chargers_mw) / 1000,
        )

    def _inverters(self, t: float, p: _Powers, now: _Counters) -> tuple[InverterView, ...]:
        whole = int(t)
        views = []
        for i, serial in enumerate(self.array.serials):
            offset = self.array.report_offsets[i]
            report_at = whole - (whole - offset) % REPORT_PERIOD_S
            then = self._shares(mw(self.solar.production_w(report_at)))[i]
            views.append(
                InverterView(
                    serial=serial,
                    phase=self._inverter_phase[i],
                    w=p.inv[i] / 1000,
                    lifetime_wh=wh(now.inv[i]),
                    last_report_at=report_at,
                    last_report_w=round(then / 1000),
                    max_report_w=max(self._max_report_w[i], round(then / 1000)),
                )
            )
        return tuple(views)


def _energy(
    now: _Counters, midnight: _Counters, week: _Counters, dl: str, rc: str | None, ph: int
) -> Energy:
    def get(c: _Counters, name: str | None) -> int:
        return 0 if name is None else int(getattr(c, name)[ph])

    return Energy(
        get(now, dl),
        get(now, rc),
        get(now, dl) - get(midnight, dl),
        get(now, rc) - get(midnight, rc),
        get(now, dl) - get(week, dl),
        get(now, rc) - get(week, rc),
    )


def _meter(kind: FlowKind, parts: list[Electrics], energies: list[Energy]) -> Meter:
    total = energies[0]
    for energy in energies[1:]:
        total = total + energy
    flows = tuple(make_flow(kind, e, n) for e, n in zip(parts, energies, strict=True))
    return Meter(make_flow(kind, combine(parts), total), flows)
