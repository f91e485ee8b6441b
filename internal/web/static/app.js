// Ruche shell: the phone menu, copy buttons, confirmations and time zone
// detection. Everything works without it; it only makes things nicer.

const menu = document.querySelector("[data-menu]");
const sidebar = document.getElementById("sidebar");
if (menu && sidebar) {
  const set = (open) => {
    sidebar.classList.toggle("open", open);
    menu.setAttribute("aria-expanded", String(open));
  };
  // Without this module the link opens the menu through :target; with it,
  // it is a toggle button.
  menu.setAttribute("role", "button");
  menu.addEventListener("click", (e) => {
    e.preventDefault();
    const open = !sidebar.classList.contains("open");
    set(open);
    if (open) sidebar.querySelector(".nav a")?.focus();
  });
  menu.addEventListener("keydown", (e) => {
    if (e.key === " ") {
      e.preventDefault();
      menu.click();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && sidebar.classList.contains("open")) {
      set(false);
      menu.focus();
    }
  });
}

for (const btn of document.querySelectorAll("[data-copy]")) {
  btn.addEventListener("click", async () => {
    const input = document.getElementById(btn.dataset.copy);
    if (!input) return;
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      document.execCommand("copy");
    }
    const label = btn.querySelector("span");
    if (label && btn.dataset.copied) {
      const was = label.textContent;
      label.textContent = btn.dataset.copied;
      setTimeout(() => { label.textContent = was; }, 2000);
    }
  });
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (e) => {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  });
}

for (const btn of document.querySelectorAll("[data-detect-zone]")) {
  const select = document.getElementById(btn.dataset.detectZone);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!select || !zone || select.value === zone) continue;
  btn.hidden = false;
  btn.addEventListener("click", () => {
    if (![...select.options].some((o) => o.value === zone)) {
      select.prepend(new Option(zone, zone));
    }
    select.value = zone;
    btn.hidden = true;
    select.focus();
  });
}
