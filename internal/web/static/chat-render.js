// Posts as the page shows them. New posts are clones of the server's own
// post template (<template id="post-tpl">), so there is one markup for both.
// Only the post's "html" (sanitized by the server) is inserted as HTML.

import { $, $$, el, state, t, tn, clock, fullDate, dayKey, dayLabel, shortWhen, fileSize, learn } from "./chat-util.js";

// messages keeps the raw text of posts seen as JSON (for editing).
export const messages = new Map();

export const initials = (name) => {
  const out = (name || "").split(/\s+/).map((w) => [...w][0] || "").filter((c) => /[\p{L}\p{N}]/u.test(c));
  return out.slice(0, 2).join("").toUpperCase() || "?";
};

// avatarURL is a person's picture, "" when they have none: a post's author
// has an avatar_version, a user of the directory has_avatar and updated_at
// (the same version, in milliseconds). The address changes with the
// account, so the server lets it be cached for long.
export function avatarURL(p) {
  const v = p?.avatar_version || (p?.has_avatar && Date.parse(p.updated_at)) || 0;
  return p?.id && v ? `/avatars/${p.id}?v=${v}` : "";
}

// face is a person's badge: their initials on their colour, under their
// picture when they have one (loaded lazily: lists may be long).
export function face(p, name) {
  const f = el("span", { class: `av av-${(p?.id || 0) % 8}`, "aria-hidden": "true", text: initials(name) });
  setPicture(f, avatarURL(p));
  return f;
}

function setPicture(f, src) {
  f.querySelector("img")?.remove();
  if (src) f.append(el("img", { src, alt: "", loading: "lazy", decoding: "async" }));
}

// A picture that fails to load is removed, and the initials under it show:
// those that failed before this module ran, and any later one.
for (const img of $$(".av > img")) if (img.complete && !img.naturalWidth) img.remove();
document.addEventListener("error", (e) => {
  if (e.target instanceof HTMLImageElement && e.target.parentElement?.classList.contains("av")) e.target.remove();
}, true);

// postElement builds a post; prefix keeps ids unique ("p" in the channel,
// "t" in the thread).
export function postElement(p, prefix = "p") {
  learn(p.author);
  messages.set(p.id, p.message);
  const a = document.getElementById("post-tpl").content.firstElementChild.cloneNode(true);
  const id = `${prefix}${p.id}`;
  a.id = id;
  a.dataset.id = p.id;
  a.dataset.author = p.user_id;
  a.dataset.root = p.root_id || 0;
  a.dataset.time = p.created_at;
  a.setAttribute("aria-labelledby", `${id}-by`);
  const bot = p.props?.override_username;
  const name = bot || p.author?.display_name || p.author?.login || t("chat.someone");
  const av = $(".post-av", a);
  av.className = `av av-${p.user_id % 8} post-av`;
  av.textContent = initials(name);
  setPicture(av, bot ? "" : avatarURL(p.author)); // a webhook's name is not its owner's face
  $(".post-head", a).id = `${id}-by`;
  $(".post-author", a).textContent = name;
  $(".badge.ext", a).hidden = p.author?.role !== "guest";
  $(".badge.bot", a).hidden = !bot;
  $(".badge.pin", a).hidden = !p.pinned_at;
  const when = new Date(p.created_at);
  const time = $("time", a);
  time.dateTime = p.created_at;
  time.textContent = clock(when);
  time.title = fullDate(when);
  $(".post-time", a).href = `/chat/p/${p.id}`;
  $(".replies", a).href = `/chat/p/${p.id}`;
  setBody(a, p);
  setReactions(a, p.reactions || []);
  setReplies(a, p.reply_count || 0, p.last_reply_at);
  setFiles(a, p.files || []);
  return a;
}

// setBody replaces a post's text (after an edit).
export function setBody(a, p) {
  $(".post-text", a).innerHTML = p.html; // sanitized by internal/markup
  $(".post-edited", a).hidden = !p.edited_at;
  messages.set(p.id, p.message);
  markMentions(a);
}

// markMentions highlights the mentions of the reader (and @channel, @here).
export function markMentions(root) {
  for (const m of $$(".mention", root)) {
    if (m.dataset.login === state.login || m.classList.contains("special")) m.classList.add("mention-me");
  }
}

// setReactions draws the chips from a post's reactions.
export function setReactions(a, reactions) {
  const box = $(".reactions", a);
  const byEmoji = new Map();
  for (const r of reactions) {
    if (!byEmoji.has(r.emoji)) byEmoji.set(r.emoji, []);
    byEmoji.get(r.emoji).push(r.user_id);
  }
  box.replaceChildren(...[...byEmoji].map(([emoji, users]) => chip(emoji, users)));
  box.hidden = byEmoji.size === 0;
}

function chip(emoji, users) {
  const mine = users.includes(state.me);
  const b = el("button", { type: "button", class: mine ? "chip mine" : "chip", "data-emoji": emoji,
    "data-users": users.join(","), "aria-pressed": String(mine) },
  el("span", { class: "chip-e", text: emoji }), el("span", { class: "chip-n", text: users.length }));
  return b;
}

// react adds or removes one user's reaction on a post element.
export function react(a, emoji, user, add) {
  const box = $(".reactions", a);
  let c = $$(".chip", box).find((x) => x.dataset.emoji === emoji);
  const users = c ? c.dataset.users.split(",").filter(Boolean).map(Number) : [];
  const i = users.indexOf(user);
  if (add && i < 0) users.push(user);
  if (!add && i >= 0) users.splice(i, 1);
  if (!users.length) {
    c?.remove();
  } else if (c) {
    c.replaceWith(chip(emoji, users));
  } else {
    box.append(chip(emoji, users));
  }
  box.hidden = !box.children.length;
}

// setReplies shows a root post's reply count and last reply.
export function setReplies(a, n, last) {
  const r = $(".replies", a);
  if (!r) return;
  r.hidden = !n;
  a.dataset.replies = n;
  $(".replies-n", r).textContent = tn("chat.replies", n);
  $(".replies-last", r).textContent = last ? t("chat.last_reply", { when: shortWhen(new Date(last)) }) : "";
}

// setFiles shows attachments: images as thumbnails linking to the file,
// anything else as a card to download.
export function setFiles(a, files) {
  const box = $(".post-files", a);
  box.replaceChildren(...files.map(fileElement));
  box.hidden = !files.length;
}

function fileElement(f) {
  const href = `/files/${f.id}/${encodeURIComponent(f.name)}`;
  if (f.has_thumbnail) {
    const img = el("img", { src: `/files/${f.id}/thumb`, alt: f.name, loading: "lazy", decoding: "async" });
    if (f.width && f.height) {
      const s = Math.min(1, 360 / f.width, 240 / f.height);
      img.width = Math.max(1, Math.round(f.width * s));
      img.height = Math.max(1, Math.round(f.height * s));
    }
    return el("a", { class: "file-thumb", href, title: f.name }, img);
  }
  const card = document.getElementById("file-tpl").content.firstElementChild.cloneNode(true);
  card.href = href;
  $(".file-name", card).textContent = f.name;
  $(".file-size", card).textContent = fileSize(f.size || 0);
  return card;
}

export const daySeparator = (d) =>
  el("div", { class: "day", role: "separator", "data-day": dayKey(d) }, el("span", { text: dayLabel(d) }));

export const newLine = () =>
  el("div", { class: "new-line", id: "new-line", role: "separator" }, el("span", { text: t("chat.new_messages") }));

const postTime = (a) => new Date(a.dataset.time);

// follows reports whether b continues a (same author within five minutes):
// b is then shown without its header.
const follows = (a, b) => a && b && a.dataset.author === b.dataset.author && a.dataset.root === b.dataset.root &&
  postTime(b) - postTime(a) < 5 * 60e3 && dayKey(postTime(a)) === dayKey(postTime(b));

// tidy puts day separators exactly where the day changes and marks
// continued posts, in a list of posts (after older ones were added, or when
// the page's times were rendered in another zone).
export function tidy(list) {
  let prev = null;
  for (const node of [...list.children]) {
    if (node.classList.contains("day")) {
      node.remove();
      continue;
    }
    if (node.tagName !== "ARTICLE") continue;
    const d = postTime(node);
    const before = node.previousElementSibling?.classList.contains("new-line") ? node.previousElementSibling : node;
    if (!prev || dayKey(postTime(prev)) !== dayKey(d)) before.before(daySeparator(d));
    node.classList.toggle("cont", follows(prev, node) && before === node);
    prev = node;
  }
}

// relabel writes every time again in the user's zone (the server wrote them
// in UTC when the profile has no zone).
export function relabel(root) {
  for (const time of $$("article time", root)) {
    const d = new Date(time.dateTime);
    time.textContent = clock(d);
    time.title = fullDate(d);
  }
}

// append adds a new post at the end of a list, with a separator when a new
// day starts.
export function append(list, a) {
  const last = $$("article", list).pop();
  if (!last || dayKey(postTime(last)) !== dayKey(postTime(a))) {
    const line = list.lastElementChild?.classList.contains("new-line") ? list.lastElementChild : null;
    if (line) line.before(daySeparator(postTime(a)));
    else list.append(daySeparator(postTime(a)));
  } else if (follows(last, a) && list.lastElementChild === last) {
    a.classList.add("cont");
  }
  list.append(a);
}
