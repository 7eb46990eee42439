"""The scenario's energy side: ``site.metering``, ``site.inverters``, ``site.house_load``
and ``site.lifetime``, read into the model's specs (see docs/scenarios.md, "Site metering").

Defaults are what every scenario had before these keys existed: a metered gateway with a
production CT and a net-consumption CT on one phase, ten microinverters, and the solar
section's ``house_load_kw`` as a constant house load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..model.energy_spec import MeteringSpec, StartCounters
from ..model.errors import invalid
from ..model.loads import ConstantLoad, HourlyLoad, HouseLoad, StepLoad, steps_from_csv
from ..model.world import DEFAULT_INVERTERS

MAX_CSV_BYTES = 4 * 1024 * 1024
"""A house-load CSV is at most 4 MiB (a year of 15-minute rows is about 1 MiB)."""
MAX_CSV_ROWS = 100_000


@dataclass(frozen=True)
class SiteEnergy:
    metering: MeteringSpec
    inverters: int
    house_load: HouseLoad | None
    lifetime: StartCounters


def csv_path(raw: str, base: Path | None) -> Path:
    """Relative to the scenario file's folder (else the working directory)."""
    path = Path(raw)
    return path if path.is_absolute() or base is None else base / path


def read_csv_load(path: Path) -> StepLoad:
    """The (time, W) steps of a CSV file, bounded in size.

    Raises:
        InvalidRequest: unreadable, too large, or a bad row (its line is named).
    """
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise invalid(f"{path} is {size} bytes; a load CSV is at most 4 MiB", "csv")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise invalid(f"cannot read the load CSV {path}: {exc.strerror or exc}", "csv") from None
    except UnicodeDecodeError:
        raise invalid(f"{path} is not UTF-8 text", "csv") from None
    steps = steps_from_csv(text)
    if len(steps) > MAX_CSV_ROWS:
        raise invalid(f"{path} has {len(steps)} rows; at most {MAX_CSV_ROWS}", "csv")
    return StepLoad(steps)


def house_load(spec: Mapping[str, Any], tz: ZoneInfo, base: Path | None) -> HouseLoad:
    """One of ``watts``, ``hourly_w`` (24 local hours) or ``csv`` (a file of time,W rows)."""
    given = [k for k in ("watts", "hourly_w", "csv") if k in spec]
    if len(given) != 1:
        raise invalid("house_load takes exactly one of watts, hourly_w or csv", "house_load")
    if "watts" in spec:
        return ConstantLoad(float(spec["watts"]))
    if "hourly_w" in spec:
        return HourlyLoad(tuple(float(w) for w in spec["hourly_w"]), tz)
    return read_csv_load(csv_path(str(spec["csv"]), base))


def metering(spec: Mapping[str, Any]) -> MeteringSpec:
    ct = spec.get("consumption_ct", "net")
    split = spec.get("load_split")
    return MeteringSpec(
        metered=spec.get("type", "metered") == "metered",
        production_ct=bool(spec.get("production_ct", True)),
        consumption_ct=None if ct in (None, "none") else ct,
        phases=int(spec.get("phases", 1)),
        nominal_voltage=spec.get("nominal_voltage"),
        load_split=None if split is None else tuple(int(s) for s in split),
    )


def site_energy(site: Mapping[str, Any], tz: ZoneInfo, base: Path | None = None) -> SiteEnergy:
    """The model's energy specs from a scenario's ``site`` section.

    Raises:
        InvalidRequest: a value the model refuses (its field is named).
    """
    count = int(site.get("inverters", DEFAULT_INVERTERS))
    if not 1 <= count <= 1000:
        raise invalid("an array has 1 to 1000 microinverters", "inverters")
    load = site.get("house_load")
    life = site.get("lifetime") or {}
    return SiteEnergy(
        metering=metering(site.get("metering") or {}),
        inverters=count,
        house_load=None if load is None else house_load(load, tz, base),
        lifetime=StartCounters(
            production_wh=float(life.get("production_wh", 0.0)),
            consumption_wh=float(life.get("consumption_wh", 0.0)),
            export_wh=float(life.get("export_wh", 0.0)),
        ),
    )
