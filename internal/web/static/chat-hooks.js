// A channel's integrations: its incoming webhooks (a secret URL other tools
// post to, shown once) and outgoing webhooks (trigger words sent to a
// service). The page offers the dialog to those who may manage the channel;
// the API decides, and a refusal is shown as such.

import { $, el, state, t, learn, people, nameOf, fullDate } from "./chat-util.js";
import { api, get, items, errorText } from "./chat-api.js";

// init wires the dialog of the page (after each navigation too).
export function init() {
  const d = $("#dlg-hooks");
  if (!d) return;
  $("#hook-in-form").addEventListener("submit", createIncoming);
  $("#hook-out-form").addEventListener("submit", createOutgoing);
  $("#hooks-in-list").addEventListener("click", (e) => onRow(e, incomingPath));
  $("#hooks-out-list").addEventListener("click", (e) => onRow(e, outgoingPath));
  $("#hook-copy").addEventListener("click", copyURL);
  d.addEventListener("close", () => {
    $("#hook-url").value = ""; // the secret does not stay in the page
    $("#hook-created").hidden = true;
  });
}

const incomingPath = (id) => `/api/v1/hooks/${id}`;
const outgoingPath = (id) => `/api/v1/channels/${state.channel}/outgoing-hooks/${id}`;

// open shows the dialog and loads both lists.
export async function open() {
  const d = $("#dlg-hooks");
  if (!d) return;
  for (const f of [$("#hook-in-form"), $("#hook-out-form")]) {
    f.reset();
    problem(f, null);
  }
  refused(null);
  d.showModal();
  $("#hi-name").focus();
  await load();
}

async function load() {
  const channel = state.channel;
  const loading = () => [el("li", { class: "row none", text: t("chat.loading") })];
  $("#hooks-in-list").replaceChildren(...loading());
  $("#hooks-out-list").replaceChildren(...loading());
  let incoming, outgoing;
  try {
    [incoming, outgoing] = await Promise.all([items(`/api/v1/channels/${channel}/hooks`), items(`/api/v1/channels/${channel}/outgoing-hooks`)]);
  } catch (err) {
    refused(err);
    return;
  }
  if (channel !== state.channel) return;
  await names([...incoming, ...outgoing].map((h) => h.created_by));
  draw($("#hooks-in-list"), incoming, incomingRow, "chat.hooks.none_incoming");
  draw($("#hooks-out-list"), outgoing, outgoingRow, "chat.hooks.none_outgoing");
}

// refused shows why the lists cannot be shown (403: not an admin of the
// channel), instead of the lists and forms; null shows them again.
function refused(err) {
  const p = $("#hooks-alert");
  p.textContent = err ? errorText(err) : "";
  p.hidden = !err;
  $("#hooks-in").hidden = !!err;
  $("#hooks-out").hidden = !!err;
}

// names learns the creators' names the page does not know yet.
async function names(ids) {
  const unknown = [...new Set(ids)].filter((id) => !people.has(id));
  await Promise.allSettled(unknown.map((id) => get(`/api/v1/users/${id}`).then(learn)));
}

function draw(list, hooks, row, none) {
  list.replaceChildren(...(hooks.length ? hooks.map(row) : [el("li", { class: "row none", text: t(none) })]));
}

function status(h) {
  return h.disabled ? el("span", { class: "badge off", text: t("chat.hooks.disabled") }) : el("span", { class: "badge ok", text: t("chat.hooks.enabled") });
}

function buttons(h) {
  return el("span", { class: "btns" },
    el("button", { type: "button", class: "btn small", "data-hook-toggle": h.disabled ? "enable" : "disable" },
      t(h.disabled ? "chat.hooks.enable" : "chat.hooks.disable")),
    el("button", { type: "button", class: "btn small danger", "data-hook-delete": "" }, t("chat.hooks.delete")));
}

const created = (h) => t("chat.hooks.created_by", { name: nameOf(h.created_by), date: fullDate(new Date(h.created_at)) });

function incomingRow(h) {
  return el("li", { class: "row hook", "data-hook": h.id, "data-name": h.name },
    el("div", { class: "row-main" }, el("strong", { text: h.name }), status(h), el("span", { class: "meta", text: created(h) })),
    buttons(h));
}

function outgoingRow(h) {
  return el("li", { class: "row hook", "data-hook": h.id, "data-name": h.name },
    el("div", { class: "row-main" }, el("strong", { text: h.name }), status(h),
      el("span", { class: "meta" }, t("chat.hooks.triggers_are"), " ", ...h.trigger_words.map((w) => el("code", { text: w }))),
      el("span", { class: "meta hook-url", text: h.callback_url }),
      el("span", { class: "meta", text: t("chat.hooks.sent_as", { type: h.content_type === "json" ? t("chat.hooks.type_json") : t("chat.hooks.type_form_short") }) }),
      el("span", { class: "meta" }, t("chat.hooks.token"), " ", el("code", { text: h.token })),
      el("span", { class: "meta", text: created(h) })),
    buttons(h));
}

// onRow enables, disables or deletes the hook of a row.
async function onRow(e, path) {
  const b = e.target.closest("[data-hook-toggle], [data-hook-delete]");
  if (!b) return;
  const li = b.closest("li[data-hook]");
  const id = li.dataset.hook;
  const remove = b.hasAttribute("data-hook-delete");
  if (remove && !confirm(t("chat.hooks.delete_confirm", { name: li.dataset.name }))) return;
  b.disabled = true;
  try {
    if (remove) {
      await api("DELETE", path(id));
    } else {
      await api("PATCH", path(id), { disabled: b.dataset.hookToggle === "disable" });
    }
    await load();
  } catch (err) {
    b.disabled = false;
    li.querySelector(".upload-err")?.remove();
    $(".row-main", li).append(el("span", { class: "upload-err", role: "alert", text: errorText(err) }));
  }
}

async function createIncoming(e) {
  e.preventDefault();
  const f = e.target;
  problem(f, null);
  try {
    const h = await api("POST", `/api/v1/channels/${state.channel}/hooks`, { name: f.elements.name.value.trim() });
    f.reset();
    $("#hook-created-h").textContent = t("chat.hooks.created", { name: h.name });
    $("#hook-url").value = h.url;
    $("#hook-created").hidden = false;
    $("#hook-url").focus();
    $("#hook-url").select();
    await load();
  } catch (err) {
    problem(f, err);
  }
}

async function createOutgoing(e) {
  e.preventDefault();
  const f = e.target;
  problem(f, null);
  const v = (name) => f.elements[name].value.trim();
  try {
    await api("POST", `/api/v1/channels/${state.channel}/outgoing-hooks`, { name: v("name"),
      trigger_words: v("trigger_words").split(/[\s,]+/).filter(Boolean), callback_url: v("callback_url"), content_type: v("content_type") });
    f.reset();
    await load();
  } catch (err) {
    problem(f, err);
  }
}

// problem shows what the server said about a form, on the field it names.
function problem(form, err) {
  const p = $(".alert", form);
  p.textContent = err ? hookError(err) : "";
  p.hidden = !err;
  for (const input of form.elements) input.removeAttribute?.("aria-invalid");
  const input = err?.field && form.elements[err.field];
  if (input instanceof HTMLElement) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

// hookError words a refusal: the server's own reason for a callback URL
// (it alone knows which addresses it refuses to call).
function hookError(err) {
  if (err.code === "invalid") {
    switch (err.field) {
      case "name": return t("chat.hooks.err_name");
      case "trigger_words": return t("chat.hooks.err_triggers");
      case "callback_url": return t("chat.hooks.err_callback", { reason: err.message });
    }
  }
  return errorText(err);
}

async function copyURL(e) {
  const b = e.currentTarget;
  const input = $("#hook-url");
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
  const label = $("span", b);
  const was = label.textContent;
  label.textContent = b.dataset.copied;
  setTimeout(() => { label.textContent = was; }, 2000);
}
