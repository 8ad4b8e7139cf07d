// The request-type editor (servicedesk/requesttype_edit.html): add, remove and reorder the rows of
// the Django formsets, suggest a key from the Turkish label, show the inputs a row's type needs.
// The server validates everything; this only moves inputs around.
(() => {
  const TURKISH = { "ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u",
    "Ç": "c", "Ğ": "g", "İ": "i", "I": "i", "Ö": "o", "Ş": "s", "Ü": "u", "Â": "a", "Î": "i", "Û": "u" };

  // Same rule as type_editor.suggest_key: "Kullanıcı adı" → "kullanici_adi".
  function suggestKey(text) {
    let key = Array.from(text || "").map((ch) => TURKISH[ch] ?? ch).join("")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (key && !/^[a-z]/.test(key)) key = `f_${key}`;
    return key.slice(0, 40).replace(/_+$/, "");
  }

  const rowsOf = (list) => Array.from(list.querySelector("[data-editor-rows]").children)
    .filter((row) => row.matches("[data-editor-row]"));

  function renumber(list) {
    let order = 0;
    rowsOf(list).forEach((row) => {
      const input = row.querySelector("[data-order]");
      if (input) input.value = row.hidden ? "" : String(++order);
    });
  }

  function changed(element) {
    element.dispatchEvent(new Event("editor-changed", { bubbles: true }));
  }

  function showFor(row) {
    const type = row.querySelector("[data-type]");
    row.querySelectorAll("[data-show-for-type]").forEach((el) => {
      el.hidden = !!type && !el.dataset.showForType.split(" ").includes(type.value);
    });
    const kind = row.querySelector("[data-kind]");
    row.querySelectorAll("[data-show-for-kind]").forEach((el) => {
      el.hidden = !!kind && el.dataset.showForKind !== kind.value;
    });
  }

  function add(list) {
    const prefix = list.dataset.editorList;
    const total = list.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const template = list.querySelector("template[data-editor-template]");
    const html = template.innerHTML.replaceAll("__prefix__", total.value);
    total.value = String(Number(total.value) + 1);
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    list.querySelector("[data-editor-rows]").appendChild(row);
    if (window.htmx) window.htmx.process(row);
    showFor(row);
    renumber(list);
    const first = row.querySelector("input:not([type=hidden]):not([type=checkbox]):not([type=search]), select");
    if (first) first.focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-editor-action]");
    if (!button) return;
    const list = button.closest("[data-editor-list]");
    if (!list) return;
    const action = button.dataset.editorAction;
    if (action === "add") {
      add(list);
    } else {
      const row = button.closest("[data-editor-row]");
      const visible = rowsOf(list).filter((r) => !r.hidden);
      const at = visible.indexOf(row);
      if (action === "remove") {
        row.querySelector("[data-delete]").checked = true;
        row.hidden = true;
      } else if (action === "up" && at > 0) {
        visible[at - 1].before(row);
      } else if (action === "down" && at >= 0 && at < visible.length - 1) {
        visible[at + 1].after(row);
      }
      renumber(list);
      button.focus();
    }
    changed(list);
  });

  document.addEventListener("input", (event) => {
    const target = event.target;
    const row = target.closest("[data-editor-row]");
    if (!row) return;
    if (target.matches("[data-key]")) {
      target.dataset.auto = target.value ? "0" : "1";
    } else if (target.matches("[data-label]")) {
      const key = row.querySelector("[data-key]");
      if (key && (key.dataset.auto === "1" || (!key.value && key.dataset.auto !== "0"))) {
        key.value = suggestKey(target.value);
        key.dataset.auto = "1";
      }
    }
  });

  document.addEventListener("change", (event) => {
    const row = event.target.closest("[data-editor-row]");
    if (row && event.target.matches("[data-type], [data-kind]")) showFor(row);
  });

  function start() {
    document.querySelectorAll("[data-editor-list]").forEach((list) => {
      rowsOf(list).forEach(showFor);
      renumber(list);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
