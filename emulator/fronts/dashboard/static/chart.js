// The power chart: an SVG drawn from the snapshots the page received (emulated time).

const NS = "http://www.w3.org/2000/svg";
const WINDOW_S = 6 * 3600; // the last six hours of emulated time
const MAX_SAMPLES = 2000;
const W = 800;
const H = 200;
const PAD = { left: 52, right: 24, top: 10, bottom: 26 };

export const SERIES = [
  { key: "chargers", label: "Chargers", color: "#2563eb" },
  { key: "solar", label: "Solar", color: "#d97706" },
  { key: "house", label: "House", color: "#6b7280" },
  { key: "grid", label: "Grid", color: "#059669" },
];

export class PowerHistory {
  constructor() {
    this.samples = [];
    this.chargers = {};
  }

  clear() {
    this.samples = [];
    this.chargers = {};
  }

  // Power changes between two snapshots ({t, serial, power_w}), so that a clock jump
  // still draws when each charge started and stopped.
  addChanges(changes) {
    for (const change of changes) {
      this.chargers[change.serial] = change.power_w;
      const total = Object.values(this.chargers).reduce((a, b) => a + b, 0);
      this.add({ t: change.t, chargers: total });
    }
  }

  // A snapshot: {t, chargers, solar?, house?, grid?} plus each charger's power.
  addSnapshot(sample, chargers) {
    this.chargers = Object.fromEntries(chargers.map((c) => [c.serial, c.power_w]));
    this.add(sample);
  }

  // One sample per snapshot: {t: epoch seconds, chargers, solar?, house?, grid?} in watts.
  add(sample) {
    const last = this.samples[this.samples.length - 1];
    if (last && sample.t < last.t) this.samples = []; // a new world started earlier
    this.samples.push(sample);
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }

  draw(svg, legend) {
    svg.replaceChildren();
    const samples = this.samples;
    if (!samples.length) return;
    const now = samples[samples.length - 1].t;
    const t0 = now - WINDOW_S;
    const shown = SERIES.filter((s) => samples.some((p) => typeof p[s.key] === "number"));
    let top = 1000;
    for (const p of samples) for (const s of shown) if (typeof p[s.key] === "number") top = Math.max(top, Math.abs(p[s.key]));
    top = Math.ceil(top / 1000) * 1000;
    const hasNegative = samples.some((p) => shown.some((s) => p[s.key] < 0));
    const bottom = hasNegative ? -top : 0;
    const x = (t) => PAD.left + ((Math.max(t, t0) - t0) / WINDOW_S) * (W - PAD.left - PAD.right);
    const y = (v) => PAD.top + ((top - v) / (top - bottom)) * (H - PAD.top - PAD.bottom);
    for (const v of [bottom, (top + bottom) / 2, top]) {
      line(svg, PAD.left, y(v), W - PAD.right, y(v), "grid-line");
      text(svg, PAD.left - 4, y(v) + 4, `${(v / 1000).toFixed(1)} kW`, "axis end");
    }
    for (let h = 0; h <= 6; h += 1) {
      const t = t0 + h * 3600;
      const label = new Date(t * 1000).toISOString().slice(11, 16);
      text(svg, x(t), H - 6, h === 6 ? `now ${label}` : label, h === 6 ? "axis end" : "axis middle");
    }
    for (const s of shown) {
      // a step line: power holds its value until the next snapshot
      let d = "";
      let previous = null;
      for (const p of samples) {
        if (typeof p[s.key] !== "number" || p.t < t0 - 1e9) continue;
        if (previous === null) d += `M${x(p.t)},${y(p[s.key])}`;
        else d += `H${x(p.t)}V${y(p[s.key])}`;
        previous = p;
      }
      if (previous) d += `H${x(now)}`;
      const path = document.createElementNS(NS, "path");
      path.setAttribute("d", d);
      path.setAttribute("stroke", s.color);
      path.setAttribute("class", "series");
      svg.append(path);
    }
    legend.replaceChildren(
      ...shown.map((s) => {
        const item = document.createElement("span");
        item.innerHTML = `<i style="background:${s.color}"></i>${s.label}`;
        return item;
      }),
    );
  }
}

function line(svg, x1, y1, x2, y2, cls) {
  const el = document.createElementNS(NS, "line");
  Object.entries({ x1, y1, x2, y2, class: cls }).forEach(([k, v]) => el.setAttribute(k, v));
  svg.append(el);
}

function text(svg, x, y, content, cls) {
  const el = document.createElementNS(NS, "text");
  el.setAttribute("x", x);
  el.setAttribute("y", y);
  el.setAttribute("class", cls);
  el.textContent = content;
  svg.append(el);
}
