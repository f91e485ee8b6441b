// The message composer (the channel's and a thread's): Enter sends,
// Shift+Enter starts a new line, drafts are kept per channel and thread, Up
// edits your last post, "@" and ":" complete names and emoji, attachments
// upload as they are chosen, and others see that you are typing.
//
// Drafts live on the server (so that another device, or this browser after
// its storage was cleared, finds them): saved a second after typing stops,
// at once when another channel opens or the page is hidden. localStorage
// keeps a copy, marked synced or not, for when the server cannot be
// reached: an unsynced copy is sent when the composer opens again, a synced
// one the server no longer has was sent or deleted elsewhere and goes.

import { $, $$, el, state, t, learn, people, debounce, fileSize } from "./chat-util.js";
import { api, items, upload, errorText, APIError } from "./chat-api.js";
import { setBody, messages } from "./chat-render.js";
import { find as findEmoji, openPicker } from "./chat-emoji.js";
import { send as wsSend } from "./chat-ws.js";
import { loadDrafts, setDraft } from "./chat-sidebar.js";

let directoryClosed = false; // guests may not list people: complete from the page

// --- drafts

const DRAFT_DELAY = 1000; // ms after the last key
const localKey = (channel, root) => `ruche.draft.${channel}.${root || 0}`;

// readLocal is the browser's copy: {m: message, s: synced with the server}.
// Copies from before drafts were on the server are plain text, unsynced.
function readLocal(channel, root) {
  let v = null;
  try {
    v = localStorage.getItem(localKey(channel, root));
  } catch {
    return null; // no storage
  }
  if (v === null) return null;
  try {
    const o = JSON.parse(v);
    if (o && typeof o.m === "string") return { m: o.m, s: !!o.s };
  } catch {
    // plain text
  }
  return { m: v, s: false };
}

function writeLocal(channel, root, message, synced) {
  try {
    if (message.trim()) localStorage.setItem(localKey(channel, root), JSON.stringify({ m: message, s: synced }));
    else localStorage.removeItem(localKey(channel, root));
  } catch {
    // Storage full or refused: the server's copy is the only one.
  }
}

// putDraft saves (or, empty, deletes) a draft on the server; keepalive lets
// the request outlive the page. It resolves to whether the server has it.
async function putDraft(channel, root, message, keepalive) {
  const empty = !message.trim();
  const opts = {
    method: empty ? "DELETE" : "PUT", credentials: "same-origin", keepalive,
    headers: { Accept: "application/json", "X-CSRF-Token": state.csrf },
  };
  if (!empty) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify({ message, root_id: root || 0 });
  }
  const url = `/api/v1/channels/${channel}/drafts${empty ? `?root_id=${root || 0}` : ""}`;
  let res;
  try {
    res = await fetch(url, opts);
  } catch {
    if (!keepalive) return false; // offline
    try {
      res = await fetch(url, { ...opts, keepalive: false }); // too large to outlive the page
    } catch {
      return false;
    }
  }
  if (!res.ok) return false;
  setDraft(channel, root, message);
  return true;
}

// composers are the live ones (a channel's, a thread's, and those just left
// whose last words are still to be saved).
const composers = new Set();
let saving = Promise.resolve(); // draft requests go one after another

function flushAll(keepalive) {
  for (const c of composers) {
    c.flush(keepalive);
    if (!c.box.isConnected) composers.delete(c);
  }
}
addEventListener("pagehide", () => flushAll(true));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") flushAll(true);
  else refreshDrafts(); // back from another device, perhaps
});

// refreshDrafts brings the server's drafts into the composers nobody is
// typing in.
async function refreshDrafts() {
  try {
    const all = await loadDrafts();
    for (const c of composers) c.offer(all.get(`${c.channel}:${c.root || 0}`) ?? "");
  } catch {
    // offline: keep what the page shows
  }
}

// applyDraft follows a draft.updated or draft.deleted event (another tab or
// device of yours): the sidebar's pencil, and the composer of that channel
// or thread if it is empty or not being typed in.
export function applyDraft(ev) {
  const d = ev.data || {};
  const message = ev.type === "draft.updated" ? d.message || "" : "";
  setDraft(d.channel_id, d.root_id, message);
  for (const c of composers) {
    if (c.channel === d.channel_id && (c.root || 0) === (d.root_id || 0)) c.offer(message);
  }
}

// setup makes a .composer form live. onSent gets the created post.
export function setup(form, root, onSent) {
  const box = $("textarea", form);
  const files = []; // {file, li, id, up}
  let lastTyping = 0;
  let sending = false;

  if (!CSS.supports("field-sizing", "content")) box.addEventListener("input", () => grow(box));
  const channel = state.channel;
  const local = readLocal(channel, root);
  box.value = local?.m || "";
  grow(box);

  // The draft: the browser's copy at once, the server's when it answers.
  let typed = false; // since the composer opened
  let dirty = false; // changed since the server last had it
  let timer = 0;
  const draft = {
    box, channel, root,
    // flush sends the text if it changed since the server had it.
    flush(keepalive = false) {
      clearTimeout(timer);
      if (!dirty) return saving;
      dirty = false;
      const message = box.value;
      // When the page goes away the request leaves at once, not after the
      // one before it.
      const sent = keepalive ? putDraft(channel, root, message, true) : saving.then(() => putDraft(channel, root, message, false));
      saving = Promise.all([saving, sent]).then(([, ok]) => {
        if (box.value !== message) return;
        if (ok) writeLocal(channel, root, message, true);
        else dirty = true; // out of reach: the next flush tries again
      });
      return saving;
    },
    // offer shows the server's text unless someone is typing here (force:
    // the composer just opened and nobody typed yet).
    offer(message, force = false) {
      if (!box.isConnected || dirty || sending || message === box.value) return;
      if (!force && box.value.trim() && document.activeElement === box) return;
      box.value = message;
      grow(box);
      writeLocal(channel, root, message, true);
    },
  };
  flushAll(false); // the composers left behind say their last words
  composers.add(draft);
  loadDrafts().then((all) => {
    const server = all.get(`${channel}:${root || 0}`);
    if (typed || !box.isConnected) return;
    if (local && !local.s && local.m !== (server ?? "")) {
      dirty = true; // written while the server was out of reach
      draft.flush();
    } else {
      draft.offer(server ?? "", true);
    }
  }, () => {});

  box.addEventListener("input", () => {
    typed = dirty = true;
    writeLocal(channel, root, box.value, false);
    clearTimeout(timer);
    timer = setTimeout(() => draft.flush(), DRAFT_DELAY);
    complete(box);
    if (Date.now() - lastTyping > 2000 && box.value.trim()) {
      lastTyping = Date.now();
      wsSend({ type: "typing", channel_id: channel, root_id: root || 0 });
    }
  });
  box.addEventListener("keydown", (e) => {
    if (acKey(e, box)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === "ArrowUp" && !box.value && !e.altKey) {
      const list = root ? $("#thread-list") : $("#list");
      const mine = $$(`article[data-author="${state.me}"]`, list).pop();
      if (mine) {
        e.preventDefault();
        edit(mine, box);
      }
    }
  });
  // Some input methods send Enter's character after the key: it must not
  // land in the emptied box.
  box.addEventListener("keypress", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.metaKey) e.preventDefault();
  });
  box.addEventListener("blur", () => setTimeout(() => closeAC(), 150));

  // Attachments: the button, dropping files, pasting images.
  const input = $(".file-input", form);
  const list = $(".uploads", form);
  form.addEventListener("click", (e) => {
    const act = e.target.closest("[data-act]")?.dataset.act;
    if (act === "attach") input.click();
    if (act === "emoji") openPicker($(".composer-box", form), (emoji) => insertText(box, emoji), e.target.closest("button"));
    if (act === "remove-file") {
      const li = e.target.closest("li");
      const i = files.findIndex((f) => f.li === li);
      if (i >= 0) {
        files[i].up?.abort();
        files.splice(i, 1);
      }
      li.remove();
      list.hidden = !files.length;
      box.focus();
    }
  });
  input.addEventListener("change", () => {
    add([...input.files]);
    input.value = "";
  });
  box.addEventListener("paste", (e) => {
    const pasted = [...(e.clipboardData?.files || [])];
    if (pasted.length) {
      e.preventDefault();
      add(pasted);
    }
  });
  form.addEventListener("dragover", (e) => {
    if ([...e.dataTransfer.types].includes("Files")) {
      e.preventDefault();
      form.classList.add("drop");
    }
  });
  form.addEventListener("dragleave", () => form.classList.remove("drop"));
  form.addEventListener("drop", (e) => {
    form.classList.remove("drop");
    if (e.dataTransfer.files.length) {
      e.preventDefault();
      add([...e.dataTransfer.files]);
    }
  });

  function add(chosen) {
    for (const file of chosen) {
      const bar = el("progress", { max: "1", value: "0", "aria-label": t("chat.uploading", { name: file.name }) });
      const li = el("li", { class: "upload" },
        el("span", { class: "upload-name", text: file.name }), el("span", { class: "upload-size", text: fileSize(file.size) }), bar,
        el("button", { type: "button", class: "icon-btn", "data-act": "remove-file", title: t("chat.remove_file"), "aria-label": t("chat.remove_file", { name: file.name }) }, "×"));
      list.append(li);
      const f = { file, li };
      f.up = upload(channel, file, (x) => { bar.value = x; });
      f.done = f.up.done.then((res) => {
        f.id = res.id;
        bar.value = 1;
        li.classList.add("done");
      }, (err) => {
        if (err.code === "aborted") return;
        li.classList.add("failed");
        bar.replaceWith(el("span", { class: "upload-err", role: "alert", text: errorText(err) }));
      });
      files.push(f);
    }
    list.hidden = !files.length;
    box.focus();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (sending) return;
    const message = box.value;
    if (!message.trim() && !files.length) return;
    sending = true;
    form.classList.add("busy");
    try {
      await Promise.all(files.map((f) => f.done));
      const ids = files.filter((f) => f.id).map((f) => f.id);
      if (!message.trim() && !ids.length) return;
      const body = { message, root_id: root || 0 };
      if (ids.length) body.file_ids = ids;
      box.value = "";
      grow(box);
      // A draft request on its way must land before the post, which
      // deletes the draft on the server.
      clearTimeout(timer);
      dirty = false;
      await saving;
      const post = await api("POST", `/api/v1/channels/${channel}/posts`, body);
      writeLocal(channel, root, "", true);
      setDraft(channel, root, "");
      files.length = 0;
      list.replaceChildren();
      list.hidden = true;
      onSent(post);
    } catch (err) {
      if (!box.value) {
        box.value = message;
        dirty = true;
        writeLocal(channel, root, message, false);
        timer = setTimeout(() => draft.flush(), DRAFT_DELAY);
      }
      grow(box);
      flash(form, errorText(err));
    } finally {
      sending = false;
      form.classList.remove("busy");
      box.focus();
    }
  });
  return box;
}

// grow fits a textarea to its text, for browsers without field-sizing.
function grow(box) {
  box.rows = 1;
  while (box.scrollHeight > box.clientHeight && box.rows < 10) box.rows++;
}

function insertText(box, text) {
  const s = box.selectionStart ?? box.value.length;
  box.setRangeText(text, s, box.selectionEnd ?? s, "end");
  box.dispatchEvent(new Event("input"));
  box.focus();
}

// flash shows a problem under a form for a while.
export function flash(form, text) {
  let p = $(".composer-err", form);
  if (!p) {
    p = el("p", { class: "composer-err", role: "alert" });
    form.append(p);
  }
  p.textContent = text;
  clearTimeout(p.timer);
  p.timer = setTimeout(() => p.remove(), 8000);
}

// --- editing a post in place

export async function edit(a, back) {
  if ($(".edit-form", a)) return;
  const id = Number(a.dataset.id);
  let text = messages.get(id);
  if (text === undefined) {
    try {
      const thread = await items(`/api/v1/posts/${id}/thread`);
      text = thread.find((p) => p.id === id)?.message ?? "";
      messages.set(id, text);
    } catch (err) {
      return;
    }
  }
  const body = $(".post-text", a);
  const box = el("textarea", { class: "edit-box", rows: "2", "aria-label": t("chat.edit_label") });
  box.value = text;
  const form = el("form", { class: "edit-form" }, box,
    el("p", { class: "edit-hint" }, t("chat.edit_hint")),
    el("div", { class: "edit-btns" },
      el("button", { type: "button", class: "btn small", "data-act": "cancel-edit" }, t("chat.cancel")),
      el("button", { class: "btn small primary" }, t("chat.save"))));
  body.hidden = true;
  body.after(form);
  if (!CSS.supports("field-sizing", "content")) {
    grow(box);
    box.addEventListener("input", () => grow(box));
  }
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  const done = () => {
    form.remove();
    body.hidden = false;
    (back || a).focus();
  };
  form.addEventListener("click", (e) => e.target.closest("[data-act=cancel-edit]") && done());
  box.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      done();
    } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (box.value === text) return done();
    try {
      const p = await api("PATCH", `/api/v1/posts/${id}`, { message: box.value });
      for (const x of $$(`article[data-id="${id}"]`)) setBody(x, p);
      done();
    } catch (err) {
      flash(form, errorText(err));
    }
  });
}

// --- completion of @names and :emoji:

let ac = null; // {box, start, options, index}

const tokenRE = /(?:^|[\s(])([@:])([\p{L}\p{N}._+-]*)$/u;

// complete closes the list at once when the word is done, and looks for
// suggestions when typing pauses.
function complete(box) {
  const m = tokenRE.exec(box.value.slice(0, box.selectionStart));
  if (!m || (m[1] === ":" && m[2].length < 2)) closeAC();
  else suggest(box);
}

const suggest = debounce(async (box) => {
  const before = box.value.slice(0, box.selectionStart);
  const m = tokenRE.exec(before);
  if (!m || (m[1] === ":" && m[2].length < 2)) return closeAC();
  const q = m[2];
  const start = before.length - q.length - 1;
  let options;
  if (m[1] === ":") {
    options = findEmoji(q).map(([name, e]) => ({ label: `${e}  :${name}:`, insert: `${e} ` }));
  } else {
    options = (await findPeople(q)).map((u) => ({ label: u.display_name || u.login, hint: `@${u.login}`, guest: u.role === "guest", insert: `@${u.login} ` }));
    for (const s of ["here", "channel", "all"]) {
      if (s.startsWith(q.toLowerCase()) && !state.kind.match(/direct|group/)) options.push({ label: `@${s}`, hint: t(`chat.special.${s}`), insert: `@${s} ` });
    }
  }
  if (box.value.slice(0, box.selectionStart) !== before) return; // typed on meanwhile
  if (!options.length) return closeAC();
  openAC(box, start, options.slice(0, 8));
}, 120);

async function findPeople(q) {
  if (!directoryClosed) {
    try {
      const users = await items(`/api/v1/users?q=${encodeURIComponent(q)}&limit=8`);
      users.forEach(learn);
      return users.filter((u) => !u.disabled && u.id !== state.me);
    } catch (err) {
      if (!(err instanceof APIError) || err.status !== 403) return [];
      directoryClosed = true;
    }
  }
  // Guests: the people whose posts this page shows.
  q = q.toLowerCase();
  return [...people.values()].filter((u) => u.id !== state.me &&
    ((u.login || "").includes(q) || (u.display_name || "").toLowerCase().includes(q))).slice(0, 8);
}

function openAC(box, start, options) {
  const list = $("#ac");
  box.closest(".composer-box, .edit-form")?.append(list);
  list.replaceChildren(...options.map((o, i) => el("li", { role: "option", id: `ac-${i}`, "aria-selected": String(i === 0) },
    el("span", { class: "ac-label", text: o.label }), o.hint ? el("span", { class: "ac-hint", text: o.hint }) : null,
    o.guest ? el("span", { class: "badge ext", text: t("chat.external") }) : null)));
  list.hidden = false;
  ac = { box, start, options, index: 0 };
  box.setAttribute("aria-controls", "ac");
  box.setAttribute("aria-expanded", "true");
  box.setAttribute("aria-activedescendant", "ac-0");
  list.onpointerdown = (e) => {
    const li = e.target.closest("li");
    if (!li) return;
    e.preventDefault();
    choose(Number(li.id.slice(3)));
  };
}

function closeAC() {
  const list = $("#ac");
  if (list) list.hidden = true;
  if (ac) {
    ac.box.setAttribute("aria-expanded", "false");
    ac.box.removeAttribute("aria-activedescendant");
  }
  ac = null;
}

function choose(i) {
  const { box, start, options } = ac;
  box.setRangeText(options[i].insert, start, box.selectionStart, "end");
  closeAC();
  box.focus();
  box.dispatchEvent(new Event("input"));
}

// acKey handles the keys of an open completion list; true when it did.
function acKey(e, box) {
  if (!ac || ac.box !== box) return false;
  const n = ac.options.length;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    ac.index = (ac.index + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
    $$("#ac li").forEach((li, i) => li.setAttribute("aria-selected", String(i === ac.index)));
    box.setAttribute("aria-activedescendant", `ac-${ac.index}`);
  } else if (e.key === "Enter" || e.key === "Tab") {
    choose(ac.index);
  } else if (e.key === "Escape") {
    closeAC();
    e.stopPropagation();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}
