// Ruche chat: keeps the server-rendered chat page live. One WebSocket per
// tab brings events; channels open without reloading the page (the server
// renders the next channel and this swaps it in), so the socket and the
// sidebar's live counts stay.

import { $, $$, el, state, readState, loadWords, t, tn, learn, nameOf, wide, motion } from "./chat-util.js";
import { connect, seen } from "./chat-ws.js";
import { api, errorText } from "./chat-api.js";
import * as list from "./chat-list.js";
import * as sidebar from "./chat-sidebar.js";
import * as side from "./chat-side.js";
import * as dialogs from "./chat-dialogs.js";
import * as hooks from "./chat-hooks.js";
import * as presence from "./chat-presence.js";
import { setup, edit, applyDraft } from "./chat-composer.js";
import { openPicker } from "./chat-emoji.js";
import { react, markMentions } from "./chat-render.js";

let swapping = false;
let buffer = []; // events that arrived while the next channel was on its way

async function start() {
  if (!$("#chat")) return;
  readState();
  await loadWords(state.words);
  init();
  presence.watch();
  side.loadSaved().catch(() => {});
  connect(state.event, {
    event: onEvent,
    open: presence.connected,
    resync: () => go(location.pathname, { replace: true }).then(() => seen(state.event)),
    status: connection,
    failing: async () => {
      try {
        await api("GET", "/api/v1/users/me");
      } catch (err) {
        if (err.status === 401) location.reload(); // signed out: the page leads to the login form
      }
    },
  });
  sidebar.onOpen(go);
  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
  document.addEventListener("submit", onSubmit);
  window.addEventListener("popstate", () => go(location.pathname, { push: false }));
  window.addEventListener("focus", list.markRead);
  document.addEventListener("visibilitychange", list.markRead);
}

// init makes the chat of the current page live (after each navigation too).
function init({ navTop = 0 } = {}) {
  const chat = $("#chat");
  chat.classList.add("live");
  for (const a of $$("article[data-author]")) {
    const pic = $(".post-av img", a);
    learn({ id: Number(a.dataset.author), display_name: $(".post-author", a).textContent, role: $(".badge.ext", a).hidden ? "member" : "guest",
      avatar_version: pic ? Number(new URL(pic.src).searchParams.get("v")) : 0 });
  }
  markMentions(chat);
  sidebar.init();
  $("#chat-nav").scrollTop = navTop;
  list.init();
  side.init();
  dialogs.init(go);
  hooks.init();
  typers.clear();
  drawTyping();
  const form = $("#chat-main .composer");
  if (form) setup(form, 0, (p) => list.insert(p));
  presence.load();
  if (wide() && !state.thread) $("#msg")?.focus({ preventScroll: true });
}

// --- opening channels in place

export async function go(url, { push = true, replace = false } = {}) {
  const u = new URL(url, location.href);
  if (u.origin !== location.origin || !/^\/chat\/(c|p)\/\d+$|^\/chat$/.test(u.pathname)) {
    location.assign(u);
    return;
  }
  swapping = true;
  buffer = [];
  $("#chat").setAttribute("aria-busy", "true");
  try {
    const res = await fetch(u, { credentials: "same-origin", headers: { Accept: "text/html" } });
    const doc = res.ok ? new DOMParser().parseFromString(await res.text(), "text/html") : null;
    const fresh = doc?.getElementById("chat");
    if (!fresh) {
      location.assign(res.url || u); // the teams page, an error page: load it whole
      return;
    }
    const where = new URL(res.url || u);
    const path = where.pathname + where.search;
    if (replace) history.replaceState(null, "", path);
    else if (push && path !== location.pathname + location.search) history.pushState(null, "", path);
    const navTop = $("#chat-nav")?.scrollTop || 0;
    $("#chat").replaceWith(fresh);
    document.title = doc.title;
    readState();
    init({ navTop });
    if (!wide()) $("#ch-title")?.focus();
    swapping = false;
    // What happened during the request: the page holds events up to its own.
    for (const ev of buffer) if (!ev.id || ev.id > state.event) dispatch(ev);
  } catch {
    location.assign(u);
  } finally {
    swapping = false;
    buffer = [];
  }
}

function isChatLink(a) {
  return a.origin === location.origin && /^\/chat\/(c|p)\/\d+$/.test(a.pathname) && !a.target && !a.hasAttribute("download");
}

// --- events

function onEvent(ev) {
  if (ev.type === "typing") return typing(ev);
  if (ev.type === "presence") return presence.update(ev);
  if (swapping) {
    buffer.push(ev);
    return;
  }
  dispatch(ev);
}

function dispatch(ev) {
  const d = ev.data || {};
  const channel = ev.channel_id || d.channel_id;
  const here = channel === state.channel;
  switch (ev.type) {
    case "post.created":
      sidebar.onPost(ev, here && list.reading());
      if (here) {
        list.apply(ev);
        side.apply(ev);
        stopTyping(d.user_id);
        list.markRead();
      }
      break;
    case "notification":
      sidebar.notify(ev);
      break;
    case "post.edited":
    case "post.deleted":
    case "reaction.added":
    case "reaction.removed":
      if (here) {
        list.apply(ev);
        side.apply(ev);
      }
      break;
    case "post.pinned":
      for (const a of $$(`article[data-id="${d.post_id}"]`)) $(".badge.pin", a).hidden = !d.pinned;
      break;
    case "thread.updated":
      side.refreshThreads();
      break;
    case "post.saved":
      side.setSaved(d.post_id, d.saved);
      break;
    case "draft.updated":
    case "draft.deleted":
      applyDraft(ev);
      break;
    case "channel.read":
      sidebar.onRead(d);
      list.apply(ev);
      break;
    case "channel.member_added":
      if (d.user_id === state.me) sidebar.refresh();
      else if (here) members(1);
      break;
    case "channel.member_removed":
      if (d.user_id !== state.me) {
        if (here) members(-1);
      } else if (here) {
        toast(t("chat.removed", { name: state.title }));
        go("/chat", { replace: true });
      } else {
        sidebar.refresh();
      }
      break;
    case "channel.created":
    case "channel.member_updated":
    case "team.member_added":
      sidebar.refresh();
      break;
    case "channel.updated":
      if (here) go(location.pathname, { replace: true });
      else sidebar.refresh();
      break;
    case "team.member_removed":
      if (d.team_id === state.team) go("/chat", { replace: true });
      else sidebar.refresh();
      break;
  }
}

function members(delta) {
  const m = $(".ch-members");
  if (!m) return;
  const n = Math.max(0, Number(m.dataset.n) + delta);
  m.dataset.n = n;
  m.lastChild.textContent = tn("chat.members", n);
}

// --- who is typing

const typers = new Map(); // user → {root, timer}

function typing(ev) {
  if (ev.channel_id !== state.channel || ev.user_id === state.me) return;
  clearTimeout(typers.get(ev.user_id)?.timer);
  typers.set(ev.user_id, { root: ev.root_id || 0, timer: setTimeout(() => stopTyping(ev.user_id), 5000) });
  drawTyping();
}

function stopTyping(user) {
  if (!typers.has(user)) return;
  clearTimeout(typers.get(user).timer);
  typers.delete(user);
  drawTyping();
}

function drawTyping() {
  const names = (root) => [...typers].filter(([, v]) => v.root === root).map(([id]) => id);
  const text = (ids) => {
    const n = ids.map(nameOf);
    if (!n.length) return "";
    if (n.length === 1) return t("chat.typing.one", { name: n[0] });
    if (n.length === 2) return t("chat.typing.two", { a: n[0], b: n[1] });
    return t("chat.typing.many");
  };
  const p = $("#typing");
  if (p) p.textContent = text(names(0));
  const root = side.openThread();
  let tp = $("#side .typing");
  if (root && !tp && $("#side .composer")) {
    tp = el("p", { class: "typing", "aria-live": "polite" });
    $("#side .composer").before(tp);
  }
  if (tp) tp.textContent = root ? text(names(root)) : "";
}


// --- clicks, keys and forms

function onClick(e) {
  const act = e.target.closest("[data-act]");
  const chat = $("#chat");
  if (act && chat?.contains(act)) {
    if (action(act, e) !== false) e.preventDefault();
    return;
  }
  const chip = e.target.closest(".reactions .chip");
  if (chip && chat?.contains(chip)) {
    toggleReaction(chip.closest("article"), chip.dataset.emoji);
    return;
  }
  const a = e.target.closest("a[href]");
  if (a && isChatLink(a) && !e.defaultPrevented && e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey) {
    e.preventDefault();
    $$("dialog[open]").forEach((d) => d.close());
    const m = /^\/chat\/p\/(\d+)$/.exec(a.pathname);
    const inChannel = m && $(`#list article[data-id="${m[1]}"]`);
    if (inChannel && a.closest("#side .result")) {
      inChannel.scrollIntoView({ block: "center", behavior: motion() });
      inChannel.classList.add("focus");
      inChannel.focus({ preventScroll: true });
      return;
    }
    go(a.href);
  }
}

// action runs a [data-act] control; false lets the browser do its default.
function action(b, e) {
  const post = b.closest("article");
  const id = Number(post?.dataset.id || 0);
  switch (b.dataset.act) {
    case "show-nav":
      $("#chat").dataset.view = "nav";
      ($("#chat-nav a.ch[aria-current]") || $("#chat-nav a"))?.focus();
      return;
    case "close-side":
      side.close();
      if (location.pathname.startsWith("/chat/p/")) history.pushState(null, "", `/chat/c/${state.channel}`);
      return;
    case "thread":
    case "reply": {
      const root = Number(post.dataset.root) || id;
      closeMenu();
      side.open(root);
      history.pushState(null, "", `/chat/p/${root}`);
      return;
    }
    case "react":
      openPicker(b.closest(".post-actions"), (emoji) => toggleReaction(post, emoji), b);
      return;
    case "menu":
      openMenu(b, post);
      return;
    case "unread":
      closeMenu();
      list.markUnread(id).catch((err) => toast(errorText(err)));
      return;
    case "copy-link":
      closeMenu();
      navigator.clipboard?.writeText(`${location.origin}/chat/p/${id}`).then(() => toast(t("chat.link_copied")), () => {});
      return;
    case "edit":
      closeMenu();
      edit(post);
      return;
    case "delete":
      closeMenu();
      if (confirm(t("chat.delete_confirm"))) {
        api("DELETE", `/api/v1/posts/${id}`).then(() => {
          for (const a of $$(`article[data-id="${id}"]`)) a.remove();
        }, (err) => toast(errorText(err)));
      }
      return;
    case "older":
      return false; // the list handles it
    case "browse":
      return dialogs.browse();
    case "new-channel":
      return dialogs.newChannel();
    case "new-direct":
      return dialogs.newDirect();
    case "add-people":
      return dialogs.newDirect(true);
    case "favorite":
      return dialogs.prefs(b, "favorite");
    case "notify-prefs":
      return dialogs.notifyPrefs();
    case "catchup":
      return side.catchUp();
    case "threads":
      return side.followed();
    case "saved":
      return side.savedView();
    case "follow":
      return side.toggleFollow(b);
    case "members":
      return dialogs.showMembers();
    case "mark-read":
      return side.markRead(b);
    case "pin": {
      closeMenu();
      const on = $(".badge.pin", post).hidden;
      api(on ? "PUT" : "DELETE", `/api/v1/posts/${id}/pin`).then(() => {
        for (const a of $$(`article[data-id="${id}"]`)) $(".badge.pin", a).hidden = !on;
      }, (err) => toast(errorText(err)));
      return;
    }
    case "save": {
      closeMenu();
      const on = !side.saved.has(id);
      api(on ? "PUT" : "DELETE", `/api/v1/posts/${id}/saved`).then(() => {
        side.setSaved(id, on);
        toast(t(on ? "chat.saved" : "chat.unsaved"));
      }, (err) => toast(errorText(err)));
      return;
    }
    case "unsave": {
      const post = Number(b.dataset.post);
      b.disabled = true;
      api("DELETE", `/api/v1/posts/${post}/saved`).then(() => side.setSaved(post, false), (err) => {
        b.disabled = false;
        toast(errorText(err));
      });
      return;
    }
    case "settings":
      return dialogs.settings();
    case "integrations":
      return hooks.open();
    case "leave":
      return dialogs.leave(b);
    case "notify":
      return sidebar.askNotifications();
    case "ch-more": {
      const open = $("#ch-opts").classList.toggle("open");
      b.setAttribute("aria-expanded", String(open));
      if (open) $("#ch-opts button")?.focus();
      return;
    }
    case "search":
      $(".ch-head").classList.add("searching");
      $("#search-q").focus();
      return;
  }
  return false;
}

async function toggleReaction(post, emoji) {
  const id = Number(post.dataset.id);
  const chip = $$(".chip", post).find((c) => c.dataset.emoji === emoji);
  const add = !chip?.classList.contains("mine");
  const all = $$(`article[data-id="${id}"]`);
  all.forEach((a) => react(a, emoji, state.me, add));
  try {
    await api(add ? "PUT" : "DELETE", `/api/v1/posts/${id}/reactions/${encodeURIComponent(emoji)}`);
  } catch (err) {
    all.forEach((a) => react(a, emoji, state.me, !add));
    toast(errorText(err));
  }
}

// --- the post menu

let menuFor = null;

function openMenu(b, post) {
  const menu = $("#post-menu");
  if (menuFor === b) return closeMenu(true);
  closeMenu();
  const own = Number(post.dataset.author) === state.me;
  for (const item of $$("[data-own]", menu)) item.hidden = !own || !state.member;
  $("[data-act=unread]", menu).hidden = !state.member || post.closest("#side") !== null;
  $("[data-act=reply]", menu).hidden = !!post.closest("#side");
  const pin = $("[data-act=pin]", menu);
  pin.hidden = !state.member;
  const label = $("span", pin);
  label.textContent = $(".badge.pin", post).hidden ? label.dataset.whenOff : label.dataset.whenOn;
  const save = $("[data-act=save] span", menu);
  save.textContent = side.saved.has(Number(post.dataset.id)) ? save.dataset.whenOn : save.dataset.whenOff;
  b.closest(".post-actions").append(menu);
  menu.hidden = false;
  b.setAttribute("aria-expanded", "true");
  menuFor = b;
  $$("button:not([hidden])", menu)[0]?.focus();
  document.addEventListener("pointerdown", outsideMenu, true);
}

function outsideMenu(e) {
  if (!$("#post-menu").contains(e.target) && e.target.closest("[data-act=menu]") !== menuFor) closeMenu();
}

function closeMenu(refocus) {
  const menu = $("#post-menu");
  if (!menu || menu.hidden) return;
  menu.hidden = true;
  menuFor?.setAttribute("aria-expanded", "false");
  if (refocus) menuFor?.focus();
  menuFor = null;
  document.removeEventListener("pointerdown", outsideMenu, true);
}

function onKey(e) {
  if (!$("#chat")) return;
  const menu = $("#post-menu");
  if (menu && !menu.hidden) {
    const items = $$("button:not([hidden])", menu);
    const i = items.indexOf(document.activeElement);
    if (e.key === "Escape") {
      e.preventDefault();
      closeMenu(true);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      items[(i + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
    } else if (e.key === "Tab") {
      closeMenu();
    }
    return;
  }
  if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
    // Alt+↑/↓: the previous or next channel; with Shift, the previous or next unread one.
    const links = $$("#chat-nav a.ch").filter((a) => !e.shiftKey || a.classList.contains("unread") || a.hasAttribute("aria-current"));
    const i = links.findIndex((a) => a.hasAttribute("aria-current"));
    const next = links[i + (e.key === "ArrowDown" ? 1 : -1)];
    if (next) {
      e.preventDefault();
      go(next.href);
    }
    return;
  }
  if (e.key === "Escape" && !e.defaultPrevented && !$("dialog[open]")) {
    if ($("#ch-opts.open")) {
      $("#ch-opts").classList.remove("open");
      $("[data-act=ch-more]").setAttribute("aria-expanded", "false");
      $("[data-act=ch-more]").focus();
      return;
    }
    if ($(".ch-head.searching") && document.activeElement === $("#search-q")) {
      $(".ch-head").classList.remove("searching");
      return;
    }
    if (!$("#side").hidden) {
      e.preventDefault();
      side.close();
      if (location.pathname.startsWith("/chat/p/")) history.pushState(null, "", `/chat/c/${state.channel}`);
    }
  }
}

function onSubmit(e) {
  if (e.target.id !== "search-form") return;
  e.preventDefault();
  side.search($("#search-q").value);
}

// --- messages to the person

function toast(text) {
  let box = $("#toasts");
  if (!box) {
    box = el("div", { id: "toasts", class: "toasts", role: "status" });
    document.body.append(box);
  }
  const p = el("p", { class: "toast", text });
  box.append(p);
  setTimeout(() => p.remove(), 5000);
}

let offlineTimer = 0;

function connection(status) {
  clearTimeout(offlineTimer);
  if (status === "live") {
    $("#conn")?.remove();
    return;
  }
  offlineTimer = setTimeout(() => {
    if (!$("#conn")) document.body.append(el("p", { id: "conn", class: "conn", role: "status", text: t("chat.reconnecting") }));
  }, 2000);
}

start();
