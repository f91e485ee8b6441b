// Presence: who is online, away or offline, shown as a dot (with a label
// for screen readers) next to people; and telling the server when this
// person is away (the tab hidden for 5 minutes, or no input for 10).

import { $$, el, t } from "./chat-util.js";
import { get } from "./chat-api.js";
import { send } from "./chat-ws.js";

const statuses = new Map(); // user id → "online" | "away" | "offline"

// dot is a presence element for a user, drawn with what is known.
export function dot(user) {
  const d = el("span", { class: "presence", "data-user": user }, el("span", { class: "sr" }));
  draw(d);
  return d;
}

function draw(d) {
  const st = statuses.get(Number(d.dataset.user)) || "offline";
  d.dataset.status = st;
  d.firstElementChild.textContent = t(`chat.presence.${st}`);
}

function redraw(user) {
  for (const d of $$(user ? `.presence[data-user="${user}"]` : ".presence[data-user]")) draw(d);
}

// load asks the server for the status of the people shown whose status is
// not known yet (all of them with fresh: after reconnecting).
export async function load(fresh = false) {
  const ids = [...new Set($$(".presence[data-user]").map((d) => Number(d.dataset.user)))].filter((id) => fresh || !statuses.has(id));
  redraw();
  if (!ids.length) return;
  try {
    const data = await get(`/api/v1/users/presence?ids=${ids.slice(0, 500).join(",")}`);
    for (const [id, st] of Object.entries(data?.statuses || {})) statuses.set(Number(id), st);
    redraw();
  } catch {
    // The next change or navigation tries again.
  }
}

// update applies a presence frame.
export function update(ev) {
  statuses.set(ev.user_id, ev.status);
  redraw(ev.user_id);
}

// --- this person: away when idle

const HIDDEN_AWAY = 5 * 60 * 1000;
const IDLE_AWAY = 10 * 60 * 1000;
let lastInput = Date.now();
let hiddenSince = 0;
let away = false;

const idleNow = () => {
  const now = Date.now();
  return (hiddenSince > 0 && now - hiddenSince >= HIDDEN_AWAY) || now - lastInput >= IDLE_AWAY;
};

function check() {
  const idle = idleNow();
  if (idle !== away) {
    away = idle;
    send({ type: away ? "away" : "active" });
  }
}

function input() {
  lastInput = Date.now();
  if (away) check();
}

// watch follows this person's activity (once per page load).
export function watch() {
  for (const type of ["pointerdown", "keydown", "wheel", "touchstart"]) document.addEventListener(type, input, { passive: true, capture: true });
  let moved = 0;
  document.addEventListener("pointermove", () => {
    if (Date.now() - moved > 5000) {
      moved = Date.now();
      input();
    }
  }, { passive: true });
  document.addEventListener("visibilitychange", () => {
    hiddenSince = document.visibilityState === "hidden" ? Date.now() : 0;
    if (!hiddenSince) input();
  });
  if (document.visibilityState === "hidden") hiddenSince = Date.now();
  setInterval(check, 30 * 1000);
}

// connected tells a new socket where this person is, and refreshes what
// may have changed while disconnected.
export function connected() {
  away = idleNow();
  send({ type: away ? "away" : "active" });
  load(true);
}
