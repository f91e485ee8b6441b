// Chat helpers: the page's settings, words, dates and a few DOM shortcuts.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// el builds an element: el("a", {href: "/x", class: "y"}, "text", child).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
}

// state is the page's settings (data-* of #chat), read again after each
// navigation.
export const state = {};

export function readState() {
  const d = document.getElementById("chat").dataset;
  const n = (v) => Number(v || 0);
  Object.assign(state, {
    me: n(d.me), guest: d.guest === "true", channel: n(d.channel), team: n(d.team), kind: d.kind,
    event: n(d.event), member: d.member === "true", muted: d.muted === "true", notify: d.notify || "default",
    lastRead: n(d.lastRead), lastPost: n(d.lastPost), unread: n(d.unread), focus: n(d.focus), thread: n(d.thread),
    csrf: d.csrf, login: d.login, zone: d.zone || undefined, lang: d.lang || "en", title: d.title, brand: d.brand, words: d.words,
  });
  return state;
}

// --- words

let words = {};

export async function loadWords(url) {
  if (!url || Object.keys(words).length) return;
  try {
    const res = await fetch(url, { credentials: "same-origin" });
    if (res.ok) words = await res.json();
  } catch {
    // Keys show instead of words: visible, not fatal.
  }
}

// t translates a "chat." key and fills its {placeholders}.
export function t(key, vars = {}) {
  const s = words[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

// tn picks key.one or key.other by the language's plural rule (French
// counts 0 and 1 as one).
export function tn(key, n, vars = {}) {
  const one = state.lang === "fr" ? n < 2 : n === 1;
  return t(`${key}.${one ? "one" : "other"}`, { n, ...vars });
}

// --- dates, in the user's time zone (the browser's when none is set)

const formats = new Map();
function fmt(opts) {
  const k = JSON.stringify(opts);
  if (!formats.has(k)) formats.set(k, new Intl.DateTimeFormat(state.lang, { timeZone: state.zone, ...opts }));
  return formats.get(k);
}

export const clock = (d) => fmt({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
export const fullDate = (d) => fmt({ dateStyle: "long", timeStyle: "short", hourCycle: "h23" }).format(d);

// dayKey is the calendar day of d where the user is: "2025-03-04".
export function dayKey(d) {
  const p = Object.fromEntries(fmt({ year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

export function dayLabel(d) {
  const now = new Date();
  const k = dayKey(d);
  if (k === dayKey(now)) return t("chat.today");
  if (k === dayKey(new Date(now - 864e5))) return t("chat.yesterday");
  const opts = { weekday: "long", day: "numeric", month: "long" };
  if (k.slice(0, 4) !== dayKey(now).slice(0, 4)) opts.year = "numeric";
  const s = fmt(opts).format(d);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// shortWhen is a recent time: its clock today, "yesterday", else a date.
export function shortWhen(d) {
  const now = new Date();
  if (dayKey(d) === dayKey(now)) return clock(d);
  if (dayKey(d) === dayKey(new Date(now - 864e5))) return t("chat.yesterday_lower");
  return fmt({ day: "numeric", month: "short" }).format(d);
}

export function fileSize(n) {
  const units = state.lang === "fr" ? ["o", "ko", "Mo", "Go"] : ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${new Intl.NumberFormat(state.lang, { maximumFractionDigits: i ? 1 : 0 }).format(n)}\u00a0${units[i]}`;
}

// people are the names the page knows, by user id: authors of the posts
// seen, people found in searches.
export const people = new Map();

export function learn(author) {
  if (author && author.id) people.set(author.id, author);
}

export const nameOf = (id) => people.get(id)?.display_name || people.get(id)?.login || t("chat.someone");

// announce tells screen readers something new, once.
export function announce(text) {
  const a = document.getElementById("announce");
  if (!a) return;
  a.textContent = "";
  setTimeout(() => { a.textContent = text; }, 50);
}

// debounce runs fn once calls stop for ms.
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// motion is how to scroll: smoothly unless the person asked for less motion.
export const motion = () => (window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth");

// wide reports whether the three columns fit side by side (not a phone).
export const wide = () => window.matchMedia("(min-width: 721px)").matches;
