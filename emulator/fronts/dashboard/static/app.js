// The dashboard: renders the live stream's snapshots and drives the emulator through the
// admin API. Every action is one admin call; a refusal shows the model's own message.

import { act, say } from "./actions.js";
import { Refused, adminToken, call, openLive, setAdminToken } from "./api.js";
import { PowerHistory } from "./chart.js";
import { chargerCard, updateCard } from "./cards.js";

const $ = (id) => document.getElementById(id);
const history = new PowerHistory();
let state = null;
let presets = {};
let journal = [];
const MAX_JOURNAL = 300;

// -- rendering ----------------------------------------------------------------------------

const kw = (w) => (typeof w === "number" ? `${(w / 1000).toFixed(2)} kW` : "—");

function renderGateway() {
  const gateway = $("gateway");
  const clock = state.clock;
  const rate = clock.rate === 0 ? "stopped" : clock.rate === 1 ? "real time" : `×${clock.rate}`;
  gateway.querySelector('[data-field="serial"]').textContent = state.gateway.serial;
  gateway.querySelector('[data-field="firmware"]').textContent = state.gateway.firmware;
  gateway.querySelector('[data-field="ev_min_role"]').textContent = `${state.gateway.ev_min_role} and above`;
  gateway.querySelector('[data-field="clock"]').textContent = `${state.time.replace("T", " ").replace("Z", " UTC")} (${rate})`;
  $("ev-role").value = state.gateway.ev_min_role;
  const select = $("rate");
  if (![...select.options].some((o) => Number(o.value) === clock.rate)) {
    select.add(new Option(`×${clock.rate}`, String(clock.rate)));
  }
  select.value = String(clock.rate);
}

// The site's power flow from whatever the state has: chargers always, the rest when the
// energy model puts it there.
function siteFlow() {
  const site = state.site || {};
  const energy = state.energy || site;
  const pick = (...keys) => {
    for (const key of keys) {
      for (const where of [site, energy]) if (typeof where[key] === "number") return where[key];
    }
    return undefined;
  };
  const chargers = state.chargers.reduce((sum, c) => sum + (c.power_w || 0), 0);
  return {
    chargers,
    solar: pick("solar_w", "production_w", "pv_w"),
    house: pick("house_w", "house_load_w", "load_w"),
    grid: pick("grid_w", "net_w", "net_consumption_w", "import_w"),
  };
}

function renderFlow(flow) {
  const tiles = [
    ["Solar", flow.solar, "solar"],
    ["House", flow.house, "house"],
    ["Chargers", flow.chargers, "chargers"],
    ["Grid", flow.grid, "grid", flow.grid === undefined ? "" : flow.grid >= 0 ? "importing" : "exporting"],
  ];
  $("flow").replaceChildren(
    ...tiles.map(([label, watts, key, note]) => {
      const tile = document.createElement("div");
      tile.className = `tile ${key}`;
      tile.dataset.flow = key;
      const value = watts === undefined ? "not modelled" : kw(key === "grid" ? Math.abs(watts) : watts);
      tile.innerHTML = `<span class="label"></span><strong></strong><small></small>`;
      tile.querySelector(".label").textContent = label;
      tile.querySelector("strong").textContent = value;
      tile.querySelector("small").textContent = note || "";
      return tile;
    }),
  );
}

function renderChargers() {
  const box = $("chargers");
  const seen = new Set();
  for (const charger of state.chargers) {
    seen.add(charger.serial);
    let card = box.querySelector(`[data-serial="${charger.serial}"]`);
    if (!card) {
      card = chargerCard(charger, presets);
      box.append(card);
    }
    updateCard(card, charger, presets);
  }
  for (const card of [...box.children]) if (!seen.has(card.dataset.serial)) card.remove();
}

function render(kinds, changes) {
  renderGateway();
  const flow = siteFlow();
  renderFlow(flow);
  history.addChanges(changes);
  history.addSnapshot({ t: Date.parse(state.time) / 1000, ...flow }, state.chargers);
  history.draw($("chart"), $("chart-legend"));
  renderChargers();
  if (kinds.some((k) => ["step", "world", "hello", "clock"].includes(k))) loadTimeline();
}

// -- the timeline, the scenario -----------------------------------------------------------

async function loadTimeline() {
  let data;
  try {
    data = await call("GET", "/__emulator/scenario/timeline");
  } catch {
    return;
  }
  const body = $("timeline").tBodies[0];
  body.replaceChildren(
    ...data.steps.map((step) => {
      const row = document.createElement("tr");
      row.className = `step ${step.status.replace(" ", "-")}`;
      const outcome = [step.status, step.message, ...(step.checks || [])].filter(Boolean).join(" · ");
      for (const value of [step.index, step.at.slice(5, 16).replace("T", " "), step.label, outcome]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(cell);
      }
      return row;
    }),
  );
  if (!data.steps.length) {
    const row = body.insertRow();
    const cell = row.insertCell();
    cell.colSpan = 4;
    cell.className = "empty";
    cell.textContent = "this scenario has no timeline";
  }
}

function showProblems(problems) {
  $("problems").replaceChildren(
    ...problems.map((p) => {
      const item = document.createElement("li");
      item.textContent = `line ${p.line}, column ${p.column}: ${p.message}`;
      return item;
    }),
  );
}

async function scenarioAction(kind) {
  const text = $("scenario-text").value;
  showProblems([]);
  if (kind === "validate") {
    const result = await act("validate", () => call("POST", "/__emulator/scenario/validate?name=dashboard.yaml", text, { yaml: true }));
    if (result) {
      showProblems(result.problems);
      say(result.valid ? "the scenario is valid" : `${result.problems.length} problem(s)`, !result.valid);
    }
  } else if (kind === "load") {
    try {
      const result = await call("PUT", "/__emulator/scenario?name=dashboard.yaml", text, { yaml: true });
      say(result.warning ? `loaded; ${result.warning}` : "scenario loaded", Boolean(result.warning));
    } catch (error) {
      if (error instanceof Refused && error.body && error.body.error) showProblems(error.body.error.problems || []);
      say(`load: ${error.message}`, true);
    }
  } else {
    await act("reset", () => call("POST", "/__emulator/reset"));
  }
}

async function loadScenarioText() {
  try {
    $("scenario-text").value = await call("GET", "/__emulator/scenario");
  } catch {
    /* shown on first action */
  }
}

// -- the journal ----------------------------------------------------------------------------

function keep(entry) {
  const status = $("filter-status").value;
  const path = $("filter-path").value.trim();
  if ($("filter-admin").checked && entry.target.startsWith("/__emulator")) return false;
  if (status && !String(entry.status).startsWith(status)) return false;
  if (path && !entry.target.includes(path)) return false;
  return true;
}

// What happened before the page opened; the live stream brings the rest.
async function loadJournal() {
  try {
    const found = await call("GET", "/__emulator/requests?limit=100");
    const seen = new Set(journal.map((e) => e.seq));
    const earlier = found.requests
      .filter((e) => !seen.has(e.seq))
      .map((e) => ({ ...e, target: e.path + (Object.keys(e.query || {}).length ? `?${new URLSearchParams(e.query)}` : "") }));
    journal = [...earlier, ...journal].sort((a, b) => a.seq - b.seq);
    renderJournal();
  } catch {
    /* the live tail still works */
  }
}

function renderJournal() {
  const body = $("journal").tBodies[0];
  const rows = journal.filter(keep).slice(-60).reverse();
  body.replaceChildren(
    ...rows.map((entry) => {
      const row = document.createElement("tr");
      row.className = `s${String(entry.status)[0]}xx`;
      row.dataset.status = entry.status;
      const at = typeof entry.virtual_time === "number" ? entry.virtual_time * 1000 : Date.parse(entry.virtual_time);
      const time = new Date(at).toISOString().slice(11, 19);
      const why = [entry.reason, entry.reason_detail].filter(Boolean).join(": ");
      const status = why ? `${entry.status} — ${why}` : String(entry.status);
      for (const value of [entry.seq, time, `${entry.method} ${entry.target}`, status, `${entry.role} (${entry.credentials})`]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(cell);
      }
      row.cells[3].className = "status";
      return row;
    }),
  );
}

// -- wiring ---------------------------------------------------------------------------------

function onEvent(name, data) {
  if (name === "state") {
    if (data.kinds.includes("world")) history.clear();
    state = data.state;
    presets = data.vehicles || presets;
    render(data.kinds, data.power || []);
  } else if (name === "journal") {
    const last = journal.length ? journal[journal.length - 1].seq : 0;
    journal.push(...data.entries.filter((e) => e.seq > last));
    if (journal.length > MAX_JOURNAL) journal = journal.slice(-MAX_JOURNAL);
    renderJournal();
  }
}

function onStatus(status) {
  const link = $("link");
  link.textContent = { live: "live", down: "reconnecting…", denied: "admin token refused" }[status];
  link.className = `link ${status}`;
  if (status === "denied") showLogin("the admin token was refused");
}

function showLogin(message = "") {
  setAdminToken("");
  $("main").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("login-token").focus();
}

function wire() {
  document.querySelectorAll("[data-advance]").forEach((button) =>
    button.addEventListener("click", () =>
      act(`advance ${button.dataset.advance}`, () => call("POST", "/__emulator/clock/advance", { duration: button.dataset.advance })),
    ),
  );
  $("advance").addEventListener("click", () => {
    const by = $("advance-by").value.trim();
    act(`advance ${by}`, () => call("POST", "/__emulator/clock/advance", { duration: by }));
  });
  $("rate").addEventListener("change", () =>
    act("clock rate", () => call("POST", "/__emulator/clock/rate", { rate: Number($("rate").value) })),
  );
  document.querySelectorAll("[data-gateway]").forEach((button) =>
    button.addEventListener("click", () =>
      act(button.dataset.gateway, () => call("POST", "/__emulator/gateway/events", { event: button.dataset.gateway })),
    ),
  );
  $("ev-role").addEventListener("change", () =>
    act("EV policy", () => call("POST", "/__emulator/gateway/events", { event: "set_ev_min_role", role: $("ev-role").value })),
  );
  document.querySelectorAll("[data-mint]").forEach((button) =>
    button.addEventListener("click", async () => {
      const minted = await act(`${button.dataset.mint} token`, () => call("POST", "/__emulator/tokens", { role: button.dataset.mint }));
      if (!minted) return;
      const serial = state && state.chargers[0] ? state.chargers[0].serial : "SERIAL";
      $("minted").hidden = false;
      $("minted-token").value = minted.token;
      $("minted-curl").textContent =
        `curl --cacert certs/ca.pem -H "Authorization: Bearer ${minted.token}" ${location.origin}/ivp/pdm/charger/${serial}/status`;
    }),
  );
  const copy = (text, what) =>
    navigator.clipboard.writeText(text).then(
      () => say(`${what} copied`),
      () => say(`select the ${what} and copy it (this browser refused the clipboard)`, true),
    );
  $("copy-token").addEventListener("click", () => copy($("minted-token").value, "token"));
  $("copy-curl").addEventListener("click", () => copy($("minted-curl").textContent, "curl line"));
  $("scenario-validate").addEventListener("click", () => scenarioAction("validate"));
  $("scenario-load").addEventListener("click", () => scenarioAction("load"));
  $("scenario-reset").addEventListener("click", () => scenarioAction("reset"));
  for (const id of ["filter-status", "filter-path", "filter-admin"]) $(id).addEventListener("input", renderJournal);
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    setAdminToken($("login-token").value.trim());
    start();
  });
}

let stopLive = null;
async function start() {
  try {
    await call("GET", "/__emulator/clock");
  } catch (error) {
    if (error instanceof Refused && error.status === 401) {
      showLogin(adminToken() ? "that admin token was refused" : "");
      return;
    }
  }
  $("login").hidden = true;
  $("main").hidden = false;
  loadScenarioText();
  await loadJournal();
  if (stopLive) stopLive();
  stopLive = openLive(onEvent, onStatus);
}

wire();
start();
