// The chat's dialogs: browse and join channels, create a channel, start a
// direct or group message, add people, the channel's members, a channel's
// settings, leaving a channel.

import { $, $$, el, state, t, debounce, learn, people } from "./chat-util.js";
import { api, items, errorText } from "./chat-api.js";
import { face } from "./chat-render.js";
import { dot, load as loadPresence } from "./chat-presence.js";

let go = () => {};

// init wires the dialogs of the page; goTo opens a channel.
export function init(goTo) {
  go = goTo;
  const nc = $("#new-channel-form");
  if (nc) {
    const display = $("#nc-display");
    const name = $("#nc-name");
    display.addEventListener("input", () => {
      if (!name.dataset.touched) name.value = handle(display.value);
    });
    name.addEventListener("input", () => { name.dataset.touched = "1"; });
    $("#nc-temp").addEventListener("change", (e) => { $("#nc-ends-field").hidden = !e.target.checked; });
    nc.addEventListener("submit", createChannel);
  }
  $("#browse-q")?.addEventListener("input", debounce(filterBrowse, 100));
  $("#browse-list")?.addEventListener("click", joinFromBrowse);
  const dm = $("#new-direct-form");
  if (dm) {
    $("#direct-q").addEventListener("input", debounce(searchPeople, 150));
    $("#direct-results").addEventListener("click", pick);
    $("#direct-picked").addEventListener("click", unpick);
    dm.addEventListener("submit", openDirect);
  }
  $("#settings-form")?.addEventListener("submit", saveSettings);
  $("#notify-form")?.addEventListener("submit", saveNotify);
  $("#settings-form")?.addEventListener("click", (e) => {
    const b = e.target.closest("[data-act=archive]");
    if (b && (!b.dataset.confirm || confirm(b.dataset.confirm))) patch({ archived: b.dataset.value === "true" }, $("#settings-form"));
  });
}

// handle suggests a channel's URL name from its display name.
const handle = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
  .replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+|-+$/g, "").slice(0, 64);

function problem(form, err) {
  const p = $(".alert", form);
  p.textContent = err ? errorText(err) : "";
  p.hidden = !err;
  if (err) p.focus?.();
}

function openDialog(id) {
  const d = $(`#${id}`);
  if (!d) return null;
  $$("form .alert", d).forEach((p) => { p.hidden = true; });
  d.showModal();
  return d;
}

// --- browse and join the team's public channels

let browsed = [];

export async function browse() {
  const d = openDialog("dlg-browse");
  if (!d) return;
  const list = $("#browse-list");
  $("#browse-q").value = "";
  $("#browse-q").focus();
  list.replaceChildren(el("li", { class: "row none", text: t("chat.loading") }));
  try {
    browsed = await items(`/api/v1/teams/${state.team}/channels`);
  } catch (err) {
    list.replaceChildren(el("li", { class: "row none", text: errorText(err) }));
    return;
  }
  filterBrowse();
}

function filterBrowse() {
  const q = ($("#browse-q").value || "").toLowerCase();
  const mine = new Set($$("#chat-nav a.ch").map((a) => Number(a.dataset.id)));
  const shown = browsed.filter((c) => !c.archived_at && (c.display_name.toLowerCase().includes(q) || c.name.includes(q)));
  $("#browse-list").replaceChildren(...(shown.length ? shown.map((c) => el("li", { class: "row" },
    el("div", { class: "row-main" }, el("strong", { text: c.display_name }), el("span", { class: "meta", text: c.purpose || `~${c.name}` })),
    mine.has(c.id)
      ? el("a", { class: "btn small", href: `/chat/c/${c.id}`, "data-close": "" }, t("chat.open"))
      : el("span", { class: "btns" },
        el("a", { class: "btn small", href: `/chat/c/${c.id}`, "data-close": "" }, t("chat.view")),
        el("button", { type: "button", class: "btn small primary", "data-join": c.id }, t("chat.join")))))
    : [el("li", { class: "row none", text: t("chat.browse_none") })]));
}

async function joinFromBrowse(e) {
  const a = e.target.closest("[data-close]");
  if (a) {
    $("#dlg-browse").close();
    return; // the link is followed by the page's navigation
  }
  const b = e.target.closest("[data-join]");
  if (!b) return;
  b.disabled = true;
  try {
    await api("POST", `/api/v1/channels/${b.dataset.join}/members`, { user_id: state.me });
    $("#dlg-browse").close();
    go(`/chat/c/${b.dataset.join}`);
  } catch (err) {
    b.disabled = false;
    b.replaceWith(el("span", { class: "upload-err", role: "alert", text: errorText(err) }));
  }
}

// --- create a channel

export function newChannel() {
  const d = openDialog("dlg-channel");
  if (!d) return;
  $("#new-channel-form").reset();
  delete $("#nc-name").dataset.touched;
  $("#nc-ends-field").hidden = true;
  $("#nc-display").focus();
}

async function createChannel(e) {
  e.preventDefault();
  const f = e.target;
  const v = (name) => f.elements[name].value.trim();
  const body = { name: v("name") || handle(v("display_name")), display_name: v("display_name"), kind: f.elements.kind.value,
    purpose: v("purpose"), shared: f.elements.shared.checked };
  if (f.elements.temporary.checked && v("ends_at")) body.ends_at = new Date(v("ends_at")).toISOString();
  try {
    const c = await api("POST", `/api/v1/teams/${state.team}/channels`, body);
    $("#dlg-channel").close();
    go(`/chat/c/${c.id}`);
  } catch (err) {
    problem(f, err);
  }
}

// --- a direct or group message, or people to add to the channel (one dialog)

const picked = new Map();
let adding = false;
let current = new Set(); // when adding people: the channel's members, left out of the results

export function newDirect(add = false) {
  const d = openDialog("dlg-direct");
  if (!d) return;
  adding = add;
  const mode = add ? "add" : "direct";
  $("#dlg-direct-h").textContent = d.dataset[`${mode}Title`];
  $("#direct-lead").textContent = d.dataset[`${mode}Lead`];
  $("#direct-go").textContent = d.dataset[`${mode}Go`];
  picked.clear();
  $("#direct-picked").replaceChildren();
  $("#direct-results").replaceChildren();
  $("#direct-q").value = "";
  $("#direct-go").disabled = true;
  $("#direct-q").focus();
  current = new Set();
  if (add) {
    const channel = state.channel;
    members().then((ms) => {
      if (channel === state.channel) current = new Set(ms.map((m) => m.id));
    }, () => {});
  }
}

const members = () => items(`/api/v1/channels/${state.channel}/members`);

// showMembers lists the channel's members with their presence.
export async function showMembers() {
  const d = openDialog("dlg-members");
  if (!d) return;
  const list = $("#members-list");
  list.replaceChildren(el("li", { class: "row none", text: t("chat.loading") }));
  let ms;
  try {
    ms = await members();
  } catch (err) {
    list.replaceChildren(el("li", { class: "row none", text: errorText(err) }));
    return;
  }
  for (const m of ms) m.avatar_version ??= people.get(m.id)?.avatar_version; // as the posts showed them
  ms.forEach(learn);
  const name = (m) => m.display_name || m.login;
  ms.sort((a, b) => name(a).localeCompare(name(b), state.lang));
  list.replaceChildren(...(ms.length ? ms.map((m) => el("li", { class: "row member" },
    el("span", { class: "av-wrap" }, face(m, name(m)), dot(m.id)),
    el("div", { class: "row-main" }, el("strong", { text: name(m) }), el("span", { class: "meta", text: `@${m.login}` }),
      m.role === "guest" ? el("span", { class: "badge ext", text: t("chat.external") }) : null,
      m.admin ? el("span", { class: "badge", text: t("chat.members.admin") }) : null)))
    : [el("li", { class: "row none", text: t("chat.members.none") })]));
  loadPresence();
}

async function searchPeople() {
  const q = $("#direct-q").value.trim();
  const out = $("#direct-results");
  let users;
  try {
    users = await items(`/api/v1/users?q=${encodeURIComponent(q)}&limit=20`);
  } catch (err) {
    out.replaceChildren(el("li", { class: "row none", text: errorText(err) }));
    return;
  }
  users = users.filter((u) => u.id !== state.me && !u.disabled && !picked.has(u.id) && !(adding && current.has(u.id)));
  users.forEach(learn);
  out.replaceChildren(...(users.length ? users.map((u) => el("li", { class: "row" },
    face(u, u.display_name || u.login),
    el("div", { class: "row-main" }, el("strong", { text: u.display_name || u.login }), el("span", { class: "meta", text: `@${u.login}` }),
      u.role === "guest" ? el("span", { class: "badge ext", text: t("chat.external") }) : null),
    el("button", { type: "button", class: "btn small", "data-pick": u.id, "data-name": u.display_name || u.login }, t("chat.direct.add"))))
    : [el("li", { class: "row none", text: t("chat.direct.nobody") })]));
}

function pick(e) {
  const b = e.target.closest("[data-pick]");
  if (!b || picked.size >= 7) return;
  picked.set(Number(b.dataset.pick), b.dataset.name);
  b.closest("li").remove();
  drawPicked();
  $("#direct-q").focus();
}

function unpick(e) {
  const b = e.target.closest("[data-unpick]");
  if (!b) return;
  picked.delete(Number(b.dataset.unpick));
  drawPicked();
  $("#direct-q").focus();
}

function drawPicked() {
  $("#direct-picked").replaceChildren(...[...picked].map(([id, name]) => el("li", {},
    el("button", { type: "button", class: "chip", "data-unpick": id, "aria-label": t("chat.direct.remove", { name }) }, name, " ×"))));
  $("#direct-go").disabled = !picked.size;
}

async function openDirect(e) {
  e.preventDefault();
  if (!picked.size) return;
  if (adding) return addPeople(e.target);
  try {
    const c = await api("POST", "/api/v1/channels/direct", { user_ids: [...picked.keys()] });
    $("#dlg-direct").close();
    go(`/chat/c/${c.id}`);
  } catch (err) {
    problem(e.target, err);
  }
}

// addPeople adds the chosen people to the channel, one by one, and says
// which could not be added.
async function addPeople(form) {
  const failed = [];
  for (const [id, name] of [...picked]) {
    try {
      await api("POST", `/api/v1/channels/${state.channel}/members`, { user_id: id });
      picked.delete(id);
    } catch (err) {
      failed.push(`${name}: ${errorText(err)}`);
    }
  }
  drawPicked();
  if (!failed.length) {
    $("#dlg-direct").close();
    return;
  }
  const p = $(".alert", form);
  p.textContent = failed.join(" · ");
  p.hidden = false;
}

// prefs changes your own settings for the channel (favourite, muted).
export async function prefs(button, field) {
  const on = button.getAttribute("aria-pressed") !== "true";
  try {
    await api("PATCH", `/api/v1/channels/${state.channel}/members/me`, { [field]: on });
    button.setAttribute("aria-pressed", String(on));
    if (field === "muted") state.muted = on;
  } catch (err) {
    alert(errorText(err));
  }
}

// --- your notifications for the channel

export function notifyPrefs() {
  if (openDialog("dlg-notify")) $("#notify-form input:checked")?.focus();
}

async function saveNotify(e) {
  e.preventDefault();
  const f = e.target;
  try {
    const m = await api("PATCH", `/api/v1/channels/${state.channel}/members/me`, { notify: f.elements.notify.value, muted: f.elements.muted.checked });
    state.muted = m.muted;
    state.notify = m.notify;
    $("[data-act=notify-prefs]")?.setAttribute("aria-pressed", String(m.muted || m.notify === "none"));
    $("#dlg-notify").close();
  } catch (err) {
    problem(f, err);
  }
}

// --- channel settings (the service decides who may save them)

export function settings() {
  if (openDialog("dlg-settings")) $("#st-display").focus();
}

async function patch(body, form) {
  try {
    await api("PATCH", `/api/v1/channels/${state.channel}`, body);
    $("#dlg-settings").close();
    go(location.pathname, { replace: true });
  } catch (err) {
    problem(form, err);
  }
}

function saveSettings(e) {
  e.preventDefault();
  const f = e.target;
  patch({ display_name: f.elements.display_name.value.trim(), purpose: f.elements.purpose.value.trim(),
    header: f.elements.header.value.trim(), shared: f.elements.shared.checked }, f);
}

export async function leave(button) {
  if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
  try {
    await api("DELETE", `/api/v1/channels/${state.channel}/members/${state.me}`);
    go("/chat");
  } catch (err) {
    alert(errorText(err));
  }
}
