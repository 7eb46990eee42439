// Calls to the admin API with the admin token (kept in sessionStorage), and the live stream.

const KEY = "iq-emulator-admin-token";
export const ADMIN_HEADER = "X-Emulator-Admin-Token";

export function adminToken() {
  return sessionStorage.getItem(KEY) || "";
}

export function setAdminToken(token) {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const all = { ...extra };
  const token = adminToken();
  if (token) all[ADMIN_HEADER] = token;
  return all;
}

export class Refused extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// One admin call: JSON (or YAML text) in, JSON or text out; a refusal throws Refused with
// the model's own message.
export async function call(method, path, body, { yaml = false } = {}) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.body = yaml ? body : JSON.stringify(body);
    init.headers["Content-Type"] = yaml ? "application/yaml" : "application/json";
  }
  const response = await fetch(path, init);
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = data && data.error ? data.error.message : `${response.status} ${String(data).slice(0, 200)}`;
    throw new Refused(response.status, message, data);
  }
  return data;
}

// Server-Sent Events over fetch (EventSource cannot send the admin header). Calls
// onEvent(name, data) per event and onStatus("live" | "down" | "denied"); reconnects.
export function openLive(onEvent, onStatus) {
  let stopped = false;
  let controller = null;
  async function once() {
    controller = new AbortController();
    const response = await fetch("/__emulator/live", {
      headers: headers({ Accept: "text/event-stream" }),
      signal: controller.signal,
    });
    if (response.status === 401) {
      onStatus("denied");
      stopped = true;
      return;
    }
    if (!response.ok || !response.body) throw new Error(`live stream: ${response.status}`);
    onStatus("live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) name = line.slice(7);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length) onEvent(name, JSON.parse(data.join("\n")));
      }
    }
  }
  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (error) {
        if (stopped) return;
      }
      if (stopped) return;
      onStatus("down");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
