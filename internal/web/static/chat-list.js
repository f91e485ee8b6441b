// The channel's message list: older pages while scrolling up, the "new
// messages" line, jumps, read position, and live posts, edits, deletions
// and reactions.
//
// The scroller is a column-reverse flex box: it starts at the bottom without
// any script, and stays there as posts arrive.

import { $, $$, state, t, announce, nameOf, debounce, motion } from "./chat-util.js";
import { items, api } from "./chat-api.js";
import { postElement, setBody, react, setReplies, tidy, append, relabel, newLine } from "./chat-render.js";
import { markedRead } from "./chat-sidebar.js";

let scroller, list, top, observer;
let loading = false;
let noMore = false;
let holdRead = false; // after "mark as unread": keep it unread until the next visit
let openedRead = 0; // the read position when the channel was opened

export const findPost = (id) => list && list.querySelector(`article[data-id="${id}"]`);

export function init() {
  scroller = $("#scroller");
  list = $("#list");
  top = $("#list-top");
  if (!list) return;
  noMore = list.dataset.more !== "true";
  holdRead = false;
  openedRead = state.lastRead;
  if (!state.zone) {
    relabel(list);
    tidy(list);
  }
  observer?.disconnect();
  observer = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && older(),
    { root: scroller, rootMargin: "800px 0px 0px 0px" });
  if (!noMore) observer.observe(top);
  scroller.addEventListener("scroll", onScroll, { passive: true });
  $("#jump-unread").addEventListener("click", jumpUnread);
  $("#jump-recent").addEventListener("click", () => toBottom(true));
  top.addEventListener("click", (e) => {
    if (e.target.closest("[data-act=older]")) {
      e.preventDefault();
      older();
    }
  });
  list.addEventListener("keydown", onKey);
  list.addEventListener("focusin", (e) => roving(e.target.closest("article"), true));
  list.addEventListener("focusout", (e) => {
    const a = e.target.closest("article");
    if (a && !a.contains(e.relatedTarget)) roving(a, false);
  });
  scroller.addEventListener("keydown", (e) => {
    if (e.target === scroller && (e.key === "ArrowUp" || e.key === "ArrowDown") && !e.altKey) {
      const posts = $$("article", list);
      const a = e.key === "ArrowUp" ? posts.at(-1) : null;
      if (a) {
        e.preventDefault();
        a.focus();
      }
    }
  });

  const focus = state.focus && findPost(state.focus);
  const line = $("#new-line", list);
  if (focus) {
    focus.scrollIntoView({ block: "center" });
    focus.classList.add("focus");
  } else if (line && line.getBoundingClientRect().top < scroller.getBoundingClientRect().top) {
    // Many unread posts: start at the first of them, not at the bottom.
    line.scrollIntoView({ block: "start" });
  }
  const unread = Number($(`#chat-nav a.ch[data-id="${state.channel}"]`)?.dataset.unread || 0);
  if (!line && unread > 0 && !noMore && oldestID() > openedRead) {
    // The first unread post is older than this page.
    $("#jump-unread").hidden = false;
  }
  onScroll();
}

// atBottom: the newest post is in view (scrollTop is 0 at the bottom of a
// column-reverse scroller, negative above).
export const atBottom = () => !scroller || scroller.scrollTop > -48;

// reading: the person sees the newest posts of this channel now.
export const reading = () => atBottom() && document.visibilityState === "visible" && document.hasFocus();

function toBottom(smooth) {
  scroller.scrollTo({ top: 0, behavior: smooth ? motion() : "auto" });
}

const onScroll = debounce(() => {
  const line = $("#new-line", list);
  const above = line && line.getBoundingClientRect().bottom < scroller.getBoundingClientRect().top;
  const unreadBtn = $("#jump-unread");
  if (line) unreadBtn.hidden = !above;
  $("#jump-recent").hidden = scroller.scrollTop > -scroller.clientHeight * 1.5;
  markRead();
}, 120);

const oldestID = () => Number($("article", list)?.dataset.id || 0);

// older loads the page of posts before the oldest shown.
async function older() {
  if (loading || noMore) return;
  loading = true;
  const channel = state.channel;
  try {
    const posts = await items(`/api/v1/channels/${channel}/posts?before=${oldestID()}&limit=60`);
    if (channel !== state.channel) return;
    const frag = document.createDocumentFragment();
    for (const p of posts.reverse()) if (!findPost(p.id)) frag.append(postElement(p));
    top.after(frag);
    if (posts.length < 60) finish();
    tidy(list);
    placeLine();
  } catch {
    // Tried again on the next scroll.
  } finally {
    loading = false;
  }
}

function finish() {
  noMore = true;
  observer.disconnect();
  const start = document.createElement("span");
  start.className = "list-start";
  start.append(Object.assign(document.createElement("strong"), { textContent: state.title }), t("chat.start"));
  top.replaceChildren(start);
}

// placeLine draws the "new messages" line before the first post of someone
// else after the read position the channel was opened with.
function placeLine() {
  if ($("#new-line", list) || !state.member) return;
  const posts = $$("article", list);
  const first = posts.find((a) => Number(a.dataset.id) > openedRead && Number(a.dataset.author) !== state.me);
  // At the top of what is loaded, earlier unread posts may not be loaded yet.
  if (!first || (first === posts[0] && !noMore)) return;
  first.before(newLine());
  first.classList.remove("cont");
}

async function jumpUnread() {
  for (let i = 0; i < 20 && !noMore && oldestID() > openedRead; i++) await older();
  placeLine();
  const line = $("#new-line", list);
  (line || $("article", list))?.scrollIntoView({ block: "start", behavior: motion() });
  $("#jump-unread").hidden = true;
}

// markRead moves the read position to the newest post while the person
// reads the channel (visible, focused, at the bottom).
export const markRead = debounce(async () => {
  if (!state.member || holdRead || state.lastPost <= state.lastRead || !reading()) return;
  const channel = state.channel;
  const pos = state.lastPost;
  try {
    await api("POST", `/api/v1/channels/${channel}/read`);
    if (channel === state.channel) state.lastRead = Math.max(state.lastRead, pos);
    markedRead(channel, pos);
  } catch {
    // Tried again on the next scroll or post.
  }
}, 300);

export async function markUnread(id) {
  await api("POST", `/api/v1/channels/${state.channel}/read`, { post_id: id, unread: true });
  holdRead = true;
  state.lastRead = id - 1;
  openedRead = id - 1;
  $("#new-line", list)?.remove();
  placeLine();
}

// release lets reading mark the channel read again (after the person writes).
export function release() {
  holdRead = false;
}

// --- keyboard: arrows move between posts; a focused post's buttons join the tab order

function onKey(e) {
  const a = e.target.closest("article");
  if (!a || e.target !== a || e.altKey) return;
  const posts = $$("article", a.parentElement);
  const i = posts.indexOf(a);
  if (e.key === "ArrowUp" && i > 0) posts[i - 1].focus();
  else if (e.key === "ArrowDown" && i < posts.length - 1) posts[i + 1].focus();
  else return;
  e.preventDefault();
}

export function roving(a, on) {
  if (!a) return;
  for (const b of $$(".post-actions button", a)) b.tabIndex = on ? 0 : -1;
}

// --- live events of this channel

export function apply(ev) {
  const d = ev.data || {};
  switch (ev.type) {
    case "post.created": {
      if (d.root_id) {
        const root = findPost(d.root_id);
        if (root) setReplies(root, Number(root.dataset.replies || 0) + 1, d.created_at);
        break;
      }
      if (findPost(d.id)) break;
      const bottom = atBottom();
      const seeing = reading();
      const mine = d.user_id === state.me;
      state.lastPost = Math.max(state.lastPost, d.id);
      if (mine) {
        state.lastRead = Math.max(state.lastRead, d.id);
        release();
      } else if (!seeing && !$("#new-line", list)) {
        openedRead = Math.min(openedRead, d.id - 1);
        list.append(newLine());
      }
      const height = scroller.scrollHeight;
      append(list, postElement(d));
      if (!bottom && !mine) scroller.scrollTop -= scroller.scrollHeight - height; // keep what is read in place
      if (mine) toBottom(false);
      if (!mine) announce(t("chat.announce", { name: nameOf(d.user_id), text: (d.message || "").slice(0, 200) }));
      onScroll();
      break;
    }
    case "post.edited": {
      const a = findPost(d.id);
      if (a) setBody(a, d);
      break;
    }
    case "post.deleted": {
      if (d.root_id) {
        const root = findPost(d.root_id);
        if (root) setReplies(root, Math.max(0, Number(root.dataset.replies || 0) - 1));
      }
      const a = findPost(d.id);
      if (a) {
        a.remove();
        tidy(list);
      }
      break;
    }
    case "reaction.added":
    case "reaction.removed": {
      const a = findPost(d.post_id);
      if (a) react(a, d.emoji, d.user_id, ev.type === "reaction.added");
      break;
    }
    case "channel.read":
      if (d.channel_id === state.channel) state.lastRead = d.last_read_id;
      break;
  }
}

// insert shows a post the person just wrote (before its event arrives).
export function insert(p) {
  apply({ type: "post.created", data: p });
}
