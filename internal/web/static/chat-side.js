// The side panel: a thread (its root, replies, a reply composer and a
// follow button) or other views: search results, catch-up, followed
// threads, saved posts. On a phone it takes the whole screen, with a back button.

import { $, $$, el, state, t, announce, nameOf, wide } from "./chat-util.js";
import { api, get, items, errorText } from "./chat-api.js";
import { postElement, setBody, react, append } from "./chat-render.js";
import { setup } from "./chat-composer.js";

const chat = () => $("#chat");
let root = 0; // the open thread, 0 when none
let composer = null;
let back = null; // what had the focus before the panel opened

export const openThread = () => root;

function show(mode, title) {
  const side = $("#side");
  if (side.hidden) back = document.activeElement;
  side.hidden = false;
  side.dataset.mode = mode;
  $("#side-title").textContent = title;
  $("#follow").hidden = mode !== "thread";
  chat().classList.add("has-side");
  chat().dataset.view = "side";
}

// init picks up a thread the server rendered (a permalink).
export function init() {
  root = state.thread;
  composer = null;
  if (!root) return;
  $("#side").dataset.mode = "thread";
  const form = $("#side .composer");
  if (form) composer = setup(form, root, sent);
  for (const a of $$("#thread-list article")) a.dataset.replies = 0;
}

// setFollow shows whether you follow the open thread.
function setFollow(on) {
  const b = $("#follow");
  b.dataset.following = String(on);
  b.textContent = t(on ? "chat.unfollow" : "chat.follow");
}

// toggleFollow follows or stops following the open thread.
export async function toggleFollow(b) {
  const id = root;
  const on = b.dataset.following !== "true";
  b.disabled = true;
  try {
    await api(on ? "PUT" : "DELETE", `/api/v1/posts/${id}/follow`);
    if (root === id) setFollow(on);
  } catch (err) {
    announce(errorText(err));
  } finally {
    b.disabled = false;
  }
}

export async function open(id, { focus = true } = {}) {
  root = id;
  show("thread", t("chat.thread"));
  const list = $("#thread-list");
  list.replaceChildren(el("p", { class: "sp-note", text: t("chat.loading") }));
  $("#side .composer")?.remove();
  $("#side .sp-view")?.remove();
  list.hidden = false;
  setFollow(false);
  try {
    const data = await get(`/api/v1/posts/${id}/thread`);
    const posts = data?.items || [];
    if (root !== id) return;
    setFollow(!!data?.following);
    list.replaceChildren();
    for (const p of posts) append(list, postElement(p, "t"));
    for (const r of $$(".replies", list)) r.hidden = true;
  } catch (err) {
    list.replaceChildren(el("p", { class: "sp-note", role: "alert", text: errorText(err) }));
    return;
  }
  if (state.member && $("#thread-composer-tpl")) {
    const form = $("#thread-composer-tpl").content.firstElementChild.cloneNode(true);
    form.dataset.root = id;
    form.append(el("input", { type: "hidden", name: "root_id", value: id }));
    $("#side-body").append(form);
    composer = setup(form, id, sent);
  }
  if (focus) (composer && wide() ? composer : $("#side-title")).focus();
  api("POST", `/api/v1/posts/${id}/thread/read`).catch(() => {});
  list.lastElementChild?.scrollIntoView({ block: "end" });
}

function sent(p) {
  setFollow(true); // replying follows the thread
  apply({ type: "post.created", data: p });
}

export function close() {
  const side = $("#side");
  if (side.hidden) return;
  side.hidden = true;
  root = 0;
  chat().classList.remove("has-side");
  chat().dataset.view = "channel";
  const to = back && document.contains(back) ? back : $("#msg") || $("#scroller");
  back = null;
  to?.focus();
}

// apply keeps the open thread live.
export function apply(ev) {
  const d = ev.data || {};
  const list = $("#thread-list");
  if (!root || !list) return;
  const find = (id) => list.querySelector(`article[data-id="${id}"]`);
  switch (ev.type) {
    case "post.created":
      if (d.root_id === root && !find(d.id)) {
        append(list, postElement(d, "t"));
        $(".replies", find(d.id)).hidden = true;
        list.lastElementChild.scrollIntoView({ block: "end" });
        if (d.user_id !== state.me) announce(t("chat.announce_reply", { name: nameOf(d.user_id) }));
      }
      break;
    case "post.edited": {
      const a = find(d.id);
      if (a) setBody(a, d);
      break;
    }
    case "post.deleted":
      if (d.id === root) {
        list.replaceChildren(el("p", { class: "sp-note", text: t("chat.thread_deleted") }));
        $("#side .composer")?.remove();
      } else {
        find(d.id)?.remove();
      }
      break;
    case "reaction.added":
    case "reaction.removed": {
      const a = find(d.post_id);
      if (a) react(a, d.emoji, d.user_id, ev.type === "reaction.added");
      break;
    }
  }
}

// --- other views of the panel: search results, catch-up, followed threads

// view shows the panel in a mode other than a thread and returns its
// (emptied) content box.
function view(mode, title, focus = mode !== "search") {
  root = 0;
  show(mode, title);
  $("#thread-list").hidden = true;
  $("#side .composer")?.remove();
  $("#side .typing")?.remove();
  let box = $("#side .sp-view");
  if (!box) {
    box = el("div", { class: "sp-view", "aria-live": "polite" });
    $("#side-body").append(box);
  }
  box.replaceChildren(el("p", { class: "sp-note", text: t("chat.loading") }));
  box.hidden = false;
  if (focus) $("#side-title").focus();
  return box;
}

// shown strips a post shown out of its channel of its buttons.
function shown(p) {
  const a = postElement(p, "s");
  $(".post-actions", a).remove();
  return a;
}

const channelName = (c) => $(`#chat-nav a.ch[data-id="${c.id || c}"] .ch-name`)?.textContent || c.display_name || "";

export async function search(q) {
  q = q.trim();
  if (!q) return;
  const box = view("search", t("chat.search.title"));
  let posts;
  try {
    posts = await items(`/api/v1/search/posts?q=${encodeURIComponent(q)}`);
  } catch (err) {
    box.replaceChildren(el("p", { class: "sp-note", role: "alert", text: errorText(err) }));
    return;
  }
  const head = el("p", { class: "sp-note", text: posts.length ? t("chat.search.count", { n: posts.length, q }) : t("chat.search.none", { q }) });
  const results = posts.map((p) => {
    const where = channelName(p.channel_id);
    const go = el("a", { class: "result-link", href: `/chat/p/${p.id}` }, where ? t("chat.search.in", { name: where }) : t("chat.search.open"));
    return el("div", { class: "result" }, go, shown(p));
  });
  box.replaceChildren(head, ...results);
}

// catchUp lists everything unread, channel by channel, thread by thread.
export async function catchUp() {
  const box = view("catchup", t("chat.catchup.title"));
  let data;
  try {
    data = await get("/api/v1/users/me/catchup");
  } catch (err) {
    box.replaceChildren(el("p", { class: "sp-note", role: "alert", text: errorText(err) }));
    return;
  }
  const parts = [];
  for (const c of data.channels || []) {
    const counts = [t("chat.catchup.unread", { n: c.unread }), c.mentions ? t("chat.catchup.mentions", { n: c.mentions }) : null].filter(Boolean).join(" · ");
    parts.push(el("section", { class: "catch" },
      el("header", { class: "catch-head" },
        el("h3", {}, el("a", { href: `/chat/c/${c.channel.id}` }, channelName(c.channel) || t("chat.direct_unknown"))),
        el("span", { class: "meta", text: counts }),
        el("button", { type: "button", class: "btn small", "data-act": "mark-read", "data-channel": c.channel.id }, t("chat.catchup.mark_read"))),
      ...(c.posts || []).map(shown)));
  }
  for (const th of data.threads || []) {
    const text = (th.root.message || "").slice(0, 60);
    parts.push(el("section", { class: "catch" },
      el("header", { class: "catch-head" },
        el("h3", {}, el("a", { href: `/chat/p/${th.root.id}` }, t("chat.catchup.thread", { text }))),
        el("span", { class: "meta", text: t("chat.threads.unread", { n: th.unread }) }),
        el("button", { type: "button", class: "btn small", "data-act": "mark-read", "data-root": th.root.id }, t("chat.catchup.mark_read"))),
      ...(th.replies || []).map(shown)));
  }
  box.replaceChildren(...(parts.length ? parts : [el("p", { class: "sp-note", text: t("chat.catchup.none") })]));
}

// markRead marks a channel or thread of the catch-up view read.
export async function markRead(b) {
  b.disabled = true;
  try {
    if (b.dataset.channel) await api("POST", `/api/v1/channels/${b.dataset.channel}/read`);
    else await api("POST", `/api/v1/posts/${b.dataset.root}/thread/read`);
    b.closest("section").remove();
    const box = $("#side .sp-view");
    if (box && !box.children.length) box.append(el("p", { class: "sp-note", text: t("chat.catchup.none") }));
  } catch (err) {
    b.disabled = false;
    b.after(el("span", { class: "upload-err", role: "alert", text: errorText(err) }));
  }
}

// followed lists the threads you follow, unread ones first.
export async function followed() {
  const box = view("threads", t("chat.threads.title"));
  let list;
  try {
    list = await items("/api/v1/users/me/threads");
  } catch (err) {
    box.replaceChildren(el("p", { class: "sp-note", role: "alert", text: errorText(err) }));
    return;
  }
  box.replaceChildren(...(list.length ? list.map((th) => el("div", { class: th.unread_replies ? "result unread" : "result" },
    el("a", { class: "result-link", href: `/chat/p/${th.root.id}` },
      [channelName(th.root.channel_id), th.unread_replies ? t("chat.threads.unread", { n: th.unread_replies }) : null].filter(Boolean).join(" · ")),
    shown(th.root))) : [el("p", { class: "sp-note", text: t("chat.threads.none") })]));
}

// refreshThreads follows changes while the threads view is open.
export function refreshThreads() {
  if ($("#side")?.dataset.mode === "threads" && !$("#side").hidden) followed();
}

// --- saved posts

// saved are the ids of the posts you saved: from the saved list and from
// post.saved events (the post menu offers to save or unsave).
export const saved = new Set();

export async function loadSaved() {
  const posts = await items("/api/v1/users/me/saved");
  saved.clear();
  for (const p of posts) saved.add(p.id);
  return posts;
}

// savedView lists your saved posts, each linked to its place.
export async function savedView(focus = true) {
  const box = view("saved", t("chat.saved.title"), focus);
  let posts;
  try {
    posts = await loadSaved();
  } catch (err) {
    box.replaceChildren(el("p", { class: "sp-note", role: "alert", text: errorText(err) }));
    return;
  }
  if ($("#side").dataset.mode !== "saved") return;
  box.replaceChildren(...(posts.length ? posts.map((p) => el("div", { class: "result saved", "data-post": p.id },
    el("div", { class: "result-head" },
      el("a", { class: "result-link", href: `/chat/p/${p.id}` }, channelName(p.channel_id) ? t("chat.search.in", { name: channelName(p.channel_id) }) : t("chat.search.open")),
      el("button", { type: "button", class: "btn small", "data-act": "unsave", "data-post": p.id }, t("chat.unsave"))),
    shown(p))) : [el("p", { class: "sp-note", text: t("chat.saved.none") })]));
}

// setSaved records a post saved or unsaved (here or in another tab).
export function setSaved(id, on) {
  if (on) saved.add(id);
  else saved.delete(id);
  if ($("#side")?.dataset.mode === "saved" && !$("#side").hidden) {
    if (on) savedView(false);
    else $(`#side .result[data-post="${id}"]`)?.remove();
    const box = $("#side .sp-view");
    if (box && !box.children.length) box.append(el("p", { class: "sp-note", text: t("chat.saved.none") }));
  }
}
