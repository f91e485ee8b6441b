// The JSON API, as the page uses it: same-origin requests with the session
// cookie and the CSRF token, errors turned into words the user can read.

import { state, t } from "./chat-util.js";

export class APIError extends Error {
  constructor(status, problem = {}) {
    super(problem.message || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "";
    this.field = problem.field || "";
  }
}

export async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch {
    throw new APIError(0, { code: "offline" });
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

export const get = (path) => api("GET", path);
export const items = async (path) => (await api("GET", path))?.items || [];

// upload sends a file as the raw body, reporting progress (0 to 1); it
// returns the answer's promise and a way to stop.
export function upload(channel, file, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open("POST", `/api/v1/channels/${channel}/files?name=${encodeURIComponent(file.name || "file")}`);
    xhr.setRequestHeader("X-CSRF-Token", state.csrf);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new APIError(xhr.status, data));
    };
    xhr.onerror = () => reject(new APIError(0, { code: "offline" }));
    xhr.onabort = () => reject(new APIError(0, { code: "aborted" }));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

// errorText is a failure as the user reads it: the catalog's words for the
// cases we know, else the server's (English) reason.
export function errorText(err) {
  if (!(err instanceof APIError)) return t("chat.err.generic");
  switch (err.code) {
    case "offline": return t("chat.err.offline");
    case "csrf": return t("chat.err.csrf");
    case "forbidden": return t("chat.err.forbidden");
    case "not_found": return t("chat.err.not_found");
    case "rate_limited": return t("chat.err.rate_limited");
    case "unauthorized": return t("chat.err.signed_out");
  }
  if (err.status === 409 && err.field === "name") return t("chat.err.name_taken");
  if (err.status === 413) return t("chat.err.too_large");
  const byField = { name: "chat.err.name", ends_at: "chat.err.ends_at", message: "chat.err.message", display_name: "chat.err.display_name" };
  if (err.code === "invalid" && byField[err.field] && err.field !== "message") return t(byField[err.field]);
  if (err.status >= 500) return t("chat.err.generic");
  return err.message;
}
