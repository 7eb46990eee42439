// Feedback for actions: a short message, or the model's refusal in its own words.

import { Refused, call } from "./api.js";

const $ = (id) => document.getElementById(id);

let toastTimer = null;
export function say(message, refused = false) {
  const toast = $("toast");
  toast.textContent = message;
  toast.className = refused ? "toast refusal" : "toast";
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.hidden = true), refused ? 8000 : 3000);
}

// Run an admin call for a button; show what the model said when it refuses.
export async function act(what, run) {
  try {
    const result = await run();
    say(`${what}: done`);
    return result;
  } catch (error) {
    say(error instanceof Refused ? `${what}: ${error.message}` : `${what}: ${error}`, true);
    return null;
  }
}

export const chargerEvent = (serial, event, params = {}) =>
  act(`${event}`, () => call("POST", `/__emulator/chargers/${encodeURIComponent(serial)}/events`, { event, ...params }));

