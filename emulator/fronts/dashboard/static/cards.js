// A card per charger: built once (so typed values survive updates), refreshed per snapshot.

import { chargerEvent } from "./actions.js";

const STATE_CLASS = {
  AVAILABLE: "idle",
  PREPARING: "ready",
  CHARGING: "charging",
  SUSPENDED_EV: "paused",
  SUSPENDED_EVSE: "paused",
  FINISHING: "ready",
  FAULTED: "fault",
  UNAVAILABLE: "fault",
};

const TEMPLATE = `
  <header>
    <div><h3 data-f="name"></h3><small data-f="serial"></small></div>
    <span class="badge" data-f="state"></span>
  </header>
  <dl class="numbers">
    <div><dt>Power</dt><dd data-f="power"></dd></div>
    <div><dt>Offered</dt><dd data-f="offered"></dd></div>
    <div><dt>Session</dt><dd data-f="session"></dd></div>
    <div><dt>Car SoC</dt><dd data-f="soc"></dd></div>
  </dl>
  <div class="soc"><i data-f="socbar"></i></div>
  <p class="details" data-f="details"></p>
  <div class="actions">
    <fieldset class="plug">
      <select data-in="preset" aria-label="vehicle"></select>
      <label>kWh <input data-in="capacity" size="3" value="60"></label>
      <label>SoC % <input data-in="socin" size="3" value="20"></label>
      <button data-do="plug_in">Plug in</button>
      <button data-do="unplug">Unplug</button>
    </fieldset>
    <fieldset>
      <label>A <input data-in="amps" size="3" value="16"></label>
      <button data-do="start_charging">Start</button>
      <button data-do="set_current">Set current</button>
      <button data-do="stop_charging">Stop</button>
    </fieldset>
    <fieldset>
      <button data-do="fault">Fault</button>
      <button data-do="clear_fault">Clear fault</button>
      <button data-do="car_full">Car full</button>
      <button data-do="disconnect">Disconnect</button>
      <button data-do="reconnect">Reconnect</button>
    </fieldset>
  </div>`;

export function chargerCard(charger, presets) {
  const card = document.createElement("article");
  card.className = "card";
  card.dataset.serial = charger.serial;
  card.dataset.id = charger.id || charger.serial;
  card.innerHTML = TEMPLATE;
  const input = (name) => card.querySelector(`[data-in="${name}"]`);
  card.querySelectorAll("[data-do]").forEach((button) =>
    button.addEventListener("click", () => {
      const event = button.dataset.do;
      const params = {};
      if (event === "plug_in") {
        const preset = input("preset").value;
        params.vehicle = preset
          ? preset
          : { capacity_kwh: Number(input("capacity").value), soc: Number(input("socin").value) };
      } else if (event === "start_charging") {
        params.chargingLevel = Number(input("amps").value);
      } else if (event === "set_current") {
        params.amps = Number(input("amps").value);
      }
      chargerEvent(card.dataset.serial, event, params);
    }),
  );
  input("preset").addEventListener("change", () => {
    const custom = !input("preset").value;
    input("capacity").disabled = !custom;
    input("socin").disabled = !custom;
  });
  return card;
}

function fillPresets(select, presets) {
  const names = Object.keys(presets);
  const key = names.join("\n");
  if (select.dataset.key === key && select.options.length) return;
  select.dataset.key = key;
  select.replaceChildren(new Option("custom car", ""), ...names.map((n) => new Option(n, n)));
}

export function updateCard(card, c, presets) {
  const f = (name) => card.querySelector(`[data-f="${name}"]`);
  fillPresets(card.querySelector('[data-in="preset"]'), presets);
  f("name").textContent = c.id && c.id !== c.name ? `${c.name} (${c.id})` : c.name;
  f("serial").textContent = `${c.serial} · ${c.hardware.max_amps} A max · ${c.hardware.phases}-phase`;
  const badge = f("state");
  badge.textContent = c.connected ? c.state : `${c.state} · offline`;
  badge.className = `badge ${c.connected ? STATE_CLASS[c.state] || "idle" : "fault"}`;
  f("power").textContent = `${(c.power_w / 1000).toFixed(2)} kW`;
  f("offered").textContent = `${c.offered_amps} A`;
  f("session").textContent = `${(c.session_wh / 1000).toFixed(2)} kWh`;
  f("soc").textContent = typeof c.soc === "number" ? `${c.soc.toFixed(1)} %` : "no car";
  f("socbar").style.width = `${typeof c.soc === "number" ? Math.min(100, c.soc) : 0}%`;
  const bits = [`mode ${c.mode.toLowerCase().replace(/_/g, " ")}`];
  if (c.vehicle) bits.push(`${c.vehicle.name}, ${c.vehicle.capacity_kwh} kWh, ${c.vehicle.max_kw} kW${c.vehicle.paused ? ", full/paused" : ""}`);
  if (c.schedule && c.schedule.length) {
    bits.push(`schedule ${c.schedule.map((s) => `${s.start || s.startTime || ""}–${s.end || s.endTime || ""}`).join(", ")}`);
  }
  if (c.fault_code) bits.push(`fault ${c.fault_code}`);
  if (c.limited_by_site) bits.push("limited by the site");
  f("details").textContent = bits.join(" · ");
  card.classList.toggle("faulted", Boolean(c.fault_code));
}
