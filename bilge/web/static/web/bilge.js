// Small behaviours of Bilge's pages (no framework; htmx swaps are covered by event delegation).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  const name = all.getAttribute("data-select-all");
  const table = all.closest("table");
  table.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => { box.checked = all.checked; });
});
