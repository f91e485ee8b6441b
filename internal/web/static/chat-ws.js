// One WebSocket per tab. It resumes where the page left off (?since= the
// last event id seen), reconnects with exponential backoff and jitter, and
// asks for a reload ("resync") when the server's log no longer reaches back
// that far.

let ws = null;
let lastID = 0;
let attempt = 0;
let handlers = {};
let timer = 0;

// connect starts following events after since. on.event gets each event,
// on.resync is called when the page must reload its data, on.status with
// "live" or "offline", on.open once connected, on.failing when connecting keeps failing (signed out?).
export function connect(since, on) {
  lastID = since;
  handlers = on;
  open();
  // Phones suspend sockets: reconnect at once when the page comes back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && (!ws || ws.readyState > 1)) reconnectNow();
  });
  window.addEventListener("online", reconnectNow);
}

// seen moves the resume point (after the page reloaded its data).
export function seen(id) {
  if (id > lastID) lastID = id;
}

export function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function reconnectNow() {
  clearTimeout(timer);
  attempt = 0;
  if (!ws || ws.readyState > 1) open();
}

function open() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${proto}//${location.host}/api/v1/ws${lastID > 0 ? `?since=${lastID}` : ""}`;
  const sock = new WebSocket(url);
  ws = sock;
  sock.onmessage = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    switch (ev.type) {
      case "hello":
        attempt = 0;
        handlers.status?.("live");
        handlers.open?.();
        // Without a resume point nothing was replayed: whatever happened
        // before this socket is in the page only if nothing happened at all.
        if (lastID === 0 && ev.event_id > 0) handlers.resync?.();
        if (lastID === 0) lastID = ev.event_id;
        return;
      case "resync":
        handlers.resync?.();
        return;
      case "pong":
      case "error":
        return;
      case "typing":
        handlers.event?.(ev);
        return;
    }
    if (ev.id) {
      if (ev.id <= lastID) return; // already seen
      lastID = ev.id;
    }
    handlers.event?.(ev);
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    handlers.status?.("offline");
    // 0.5 s, 1 s, 2 s … up to 30 s, each with up to 50 % jitter.
    const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
    attempt++;
    if (attempt === 3) handlers.failing?.();
    timer = setTimeout(open, delay);
  };
}

// lastSeen is the newest event id applied.
export const lastSeen = () => lastID;
