// Emoji: the picker's common ones, and shortcodes for ":" completion (the
// names GitHub, Slack and Mattermost users know; the server knows them all).

export const common = ["👍", "👎", "😄", "🎉", "❤️", "🚀", "👀", "🙏", "😂", "😮", "😢", "🔥",
  "✅", "❌", "👏", "💯", "🤔", "🙌", "👌", "😅", "⭐", "☕", "🐝", "⚠️"];

export const shortcodes = Object.entries({
  "+1": "👍", "-1": "👎", smile: "😄", grinning: "😀", smiley: "😃", laughing: "😆", joy: "😂", rofl: "🤣",
  wink: "😉", blush: "😊", slightly_smiling_face: "🙂", upside_down_face: "🙃", heart_eyes: "😍",
  kissing_heart: "😘", stuck_out_tongue: "😛", sunglasses: "😎", nerd_face: "🤓", partying_face: "🥳",
  thinking: "🤔", neutral_face: "😐", expressionless: "😑", confused: "😕", worried: "😟", open_mouth: "😮",
  astonished: "😲", flushed: "😳", cry: "😢", sob: "😭", scream: "😱", angry: "😠", rage: "😡",
  sweat_smile: "😅", grimacing: "😬", relieved: "😌", sleeping: "😴", mask: "😷", hugs: "🤗",
  see_no_evil: "🙈", wave: "👋", clap: "👏", raised_hands: "🙌", pray: "🙏", muscle: "💪", ok_hand: "👌",
  v: "✌️", point_up: "☝️", point_right: "👉", handshake: "🤝", eyes: "👀", heart: "❤️", broken_heart: "💔",
  tada: "🎉", confetti_ball: "🎊", rocket: "🚀", fire: "🔥", sparkles: "✨", star: "⭐", zap: "⚡", boom: "💥",
  "100": "💯", white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", question: "❓",
  exclamation: "❗", no_entry: "⛔", bulb: "💡", memo: "📝", pencil2: "✏️", calendar: "📅", pushpin: "📌",
  paperclip: "📎", link: "🔗", lock: "🔒", key: "🔑", bug: "🐛", wrench: "🔧", hammer: "🔨", gear: "⚙️",
  chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉", moneybag: "💰", gift: "🎁", birthday: "🎂",
  coffee: "☕", tea: "🍵", beer: "🍺", pizza: "🍕", croissant: "🥐", cheese: "🧀", wine_glass: "🍷",
  sunny: "☀️", cloud: "☁️", umbrella: "☔", snowflake: "❄️", rainbow: "🌈", seedling: "🌱", herb: "🌿",
  bee: "🐝", honeybee: "🐝", cat: "🐱", dog: "🐶", hourglass: "⌛", alarm_clock: "⏰", bell: "🔔",
  mega: "📣", email: "📧", phone: "☎️", computer: "💻", house: "🏠", car: "🚗", airplane: "✈️",
  trophy: "🏆", medal_sports: "🏅", zzz: "💤", thumbsup: "👍", thumbsdown: "👎",
});

// find returns up to n shortcodes starting with q, then containing it.
export function find(q, n = 8) {
  q = q.toLowerCase();
  const starts = shortcodes.filter(([k]) => k.startsWith(q));
  const within = shortcodes.filter(([k]) => !k.startsWith(q) && k.includes(q));
  const seen = new Set();
  return [...starts, ...within].filter(([, e]) => !seen.has(e) && seen.add(e)).slice(0, n);
}

// openPicker shows the emoji grid inside host (a post's actions, a
// composer) and calls pick with the chosen emoji.
export function openPicker(host, pick, opener) {
  const box = document.getElementById("emoji-picker");
  const grid = document.getElementById("emoji-grid");
  if (!grid.children.length) {
    for (const e of common) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "emoji";
      b.textContent = e;
      b.dataset.emoji = e;
      grid.append(b);
    }
  }
  host.append(box);
  box.hidden = false;
  const buttons = [...grid.children];
  const close = (refocus) => {
    box.hidden = true;
    grid.onclick = grid.onkeydown = null;
    document.removeEventListener("pointerdown", outside, true);
    if (refocus) opener?.focus();
  };
  const outside = (e) => !box.contains(e.target) && e.target !== opener && close(false);
  grid.onclick = (e) => {
    const b = e.target.closest("button[data-emoji]");
    if (!b) return;
    close(true);
    pick(b.dataset.emoji);
  };
  grid.onkeydown = (e) => {
    const i = buttons.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 6, ArrowUp: -6 }[e.key];
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (step && i >= 0) {
      e.preventDefault();
      buttons[Math.min(buttons.length - 1, Math.max(0, i + step))].focus();
    }
  };
  document.addEventListener("pointerdown", outside, true);
  buttons[0].focus();
}
