// The chat sidebar: unread state and mention badges kept live, the tab's
// title, desktop notifications, a pencil where you left a draft, and a
// fresh copy of the sidebar from the server when channels come and go.
//
// Counting is idempotent: each link knows its channel's newest post
// (data-last-post) and a post is counted only if it is newer, so events may
// be applied again after the sidebar was replaced by a newer copy.

import { $, $$, el, state, t, debounce } from "./chat-util.js";
import { load as loadPresence } from "./chat-presence.js";

export const link = (id) => $(`#chat-nav a.ch[data-id="${id}"]`);
const num = (a, k) => Number(a.dataset[k] || 0);
const isDirect = (a) => a.dataset.kind === "direct" || a.dataset.kind === "group";

// badge is what a link counts: mentions, or every unread post of a direct
// message (each is addressed to you).
const badge = (a) => (isDirect(a) ? Math.max(num(a, "mentions"), num(a, "unread")) : num(a, "mentions"));

function show(a) {
  const bold = num(a, "unread") > 0 || num(a, "mentions") > 0;
  a.classList.toggle("unread", bold);
  const m = $(".mentions", a);
  const n = badge(a);
  m.textContent = n;
  m.hidden = !n;
  $(".ch-state", a).textContent = bold ? t("chat.unread") : "";
}

function setCounts(a, unread, mentions) {
  a.dataset.unread = unread;
  a.dataset.mentions = mentions;
  show(a);
}

export function init() {
  for (const a of $$("#chat-nav a.ch")) show(a);
  markDrafts();
  loadDrafts().catch(() => {}); // offline: the marks wait for the next page
  const ask = $("#notify-ask");
  if (ask && "Notification" in window && Notification.permission === "default") ask.hidden = false;
  title();
}

// title puts the number of things waiting for you in the tab's title.
export function title() {
  let n = 0;
  let unread = false;
  for (const a of $$("#chat-nav a.ch")) {
    if (a.dataset.muted === "true") continue;
    n += badge(a);
    unread ||= num(a, "unread") > 0;
  }
  for (const a of $$(".teams-list a[data-team]")) {
    if (!a.hasAttribute("aria-current")) n += Number($(".mentions", a).textContent || 0);
  }
  document.title = `${n ? `(${n}) ` : unread ? "• " : ""}${state.title} · ${state.brand}`;
}

// markedRead clears a channel read up to pos.
export function markedRead(channel, pos) {
  const a = link(channel);
  if (!a) return;
  a.dataset.lastRead = Math.max(num(a, "lastRead"), pos);
  if (num(a, "lastRead") >= num(a, "lastPost")) setCounts(a, 0, 0);
  title();
}

// markTeam shows that another team has something new.
function markTeam(team, mention) {
  const a = $(`.teams-list a[data-team="${team}"]`);
  if (!a) return;
  const m = $(".mentions", a);
  if (mention) {
    m.textContent = Number(m.textContent || 0) + 1;
    m.hidden = false;
  }
  $(".dot", a).hidden = !m.hidden;
  $("#teams summary")?.classList.add("unread");
  title();
}

let pending = null; // events seen while a fresh sidebar is on its way

// onPost counts a new post; viewing: the person is reading that channel now
// (the list marks it read).
export function onPost(ev, viewing) {
  if (pending) pending.push([ev, viewing]);
  const p = ev.data;
  const mention = (p.mentions || []).includes(state.me);
  const a = link(ev.channel_id);
  if (!a) {
    if (ev.team_id && ev.team_id !== state.team) {
      if (p.user_id !== state.me) markTeam(ev.team_id, mention);
    } else {
      refresh(); // a channel this sidebar does not show yet
    }
    return;
  }
  if (p.id <= num(a, "lastPost")) return;
  a.dataset.lastPost = p.id;
  if (p.user_id === state.me) {
    if (!p.root_id) markedRead(ev.channel_id, p.id);
    return;
  }
  if (viewing) return;
  setCounts(a, num(a, "unread") + (p.root_id ? 0 : 1), num(a, "mentions") + (mention ? 1 : 0));
  // Direct messages come first, like a letterbox.
  if (isDirect(a) && a.parentElement.parentElement.id === "nav-direct-list") {
    a.parentElement.parentElement.prepend(a.parentElement);
  }
  title();
}

// onRead follows the read position moved by another tab (or this one).
export function onRead(d) {
  const a = link(d.channel_id);
  if (!a) return;
  if (d.last_read_id >= num(a, "lastPost")) markedRead(d.channel_id, d.last_read_id);
  else refresh(); // marked unread: the server counts
}

// refresh replaces the sidebar with the server's (channels joined, left,
// created, renamed), keeping its scroll position.
export const refresh = debounce(async () => {
  pending = [];
  try {
    const res = await fetch(location.pathname, { credentials: "same-origin" });
    if (!res.ok) return;
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    const fresh = doc.getElementById("chat-nav");
    const old = $("#chat-nav");
    if (!fresh || !old) return;
    const top = old.scrollTop;
    old.replaceWith(fresh);
    fresh.scrollTop = top;
    const again = pending;
    pending = null;
    init();
    loadPresence();
    for (const [ev, viewing] of again) onPost(ev, viewing);
  } catch {
    // The next change tries again.
  } finally {
    pending = null;
  }
}, 250);

// --- desktop notifications: mentions and direct messages, when you are elsewhere

let open = () => {};

// onOpen sets how a notification opens its channel.
export function onOpen(fn) {
  open = fn;
}

export async function askNotifications() {
  if (!("Notification" in window)) return;
  await Notification.requestPermission();
  $("#notify-ask").hidden = true;
}

// notify shows the server's notification (sent per your preferences for
// the channel: mentions, direct messages, or everything) when you are not
// looking at the page.
export function notify(ev) {
  const p = ev.post || {};
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  const direct = ev.reason === "direct";
  const who = p.props?.override_username || p.author?.display_name || p.author?.login || t("chat.someone");
  const where = !direct && ev.channel?.display_name ? ` · ${ev.channel.display_name}` : "";
  const n = new Notification(who + where, { body: (ev.text || "").slice(0, 180), tag: `ruche-${ev.channel?.id}`, lang: state.lang });
  n.onclick = () => {
    window.focus();
    open(p.root_id ? `/chat/p/${p.id}` : `/chat/c/${ev.channel?.id || p.channel_id}`);
    n.close();
  };
}

// --- drafts: a pencil beside the channels where you started a message

// drafts holds your drafts as the server has them, by "channel:root".
export const drafts = new Map();
let draftsLoad = null;
const meanwhile = new Map(); // changes seen while a list was on its way: newer than it

// loadDrafts asks the server for your drafts (once at a time) and marks the
// sidebar; it resolves to drafts, or fails when the server cannot be reached.
export function loadDrafts() {
  draftsLoad ||= (async () => {
    try {
      const res = await fetch("/api/v1/drafts", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const list = (await res.json()).items || [];
      drafts.clear();
      for (const d of list) drafts.set(`${d.channel_id}:${d.root_id || 0}`, d.message);
      for (const [k, m] of meanwhile) {
        if (m) drafts.set(k, m);
        else drafts.delete(k);
      }
      markDrafts();
      return drafts;
    } finally {
      draftsLoad = null;
      meanwhile.clear();
    }
  })();
  return draftsLoad;
}

// setDraft records a draft saved (or, empty, deleted) by this tab or another.
export function setDraft(channel, root, message) {
  const k = `${channel}:${root || 0}`;
  const has = message && message.trim() ? message : "";
  if (has) drafts.set(k, has);
  else drafts.delete(k);
  if (draftsLoad) meanwhile.set(k, has);
  markDrafts();
}

// markDrafts puts the pencil on the links of channels holding a draft (for
// the channel or one of its threads), except the channel on screen.
export function markDrafts() {
  const marked = new Set([...drafts.keys()].map((k) => Number(k.split(":")[0])));
  for (const a of $$("#chat-nav a.ch")) {
    const on = marked.has(Number(a.dataset.id)) && a.getAttribute("aria-current") !== "page";
    let p = $(".ch-draft", a);
    if (on && !p) {
      p = el("span", { class: "ch-draft", title: t("chat.draft") },
        el("span", { "aria-hidden": "true", text: "✎" }), el("span", { class: "sr", text: t("chat.draft") }));
      $(".mentions", a).before(p);
    } else if (!on && p) {
      p.remove();
    }
  }
}
