// The criterion form: when the scale's ends change, show an anchor field for every point of the new
// scale (only the two ends past data-every-point-up-to points), keeping any text already typed.
// Without this script the server shows the new points' fields after a submit; nothing depends on it.
(function () {
  "use strict";
  const form = document.getElementById("criterion-form");
  const list = document.getElementById("anchor-list");
  if (!form || !list) return;
  const low = form.elements.namedItem("scale_min");
  const high = form.elements.namedItem("scale_max");
  const everyPointUpTo = Number(document.getElementById("anchors").dataset.everyPointUpTo);
  const typed = new Map();

  function remember() {
    list.querySelectorAll("input").forEach((input) => typed.set(input.dataset.point || input.name.slice(7), input.value));
  }

  function pointsOf(min, max) {
    if (max - min + 1 <= everyPointUpTo) {
      return Array.from({ length: max - min + 1 }, (_, i) => min + i);
    }
    const kept = [...typed.keys()].map(Number).filter((p) => p > min && p < max && typed.get(String(p)));
    return [...new Set([min, ...kept, max])].sort((a, b) => a - b);
  }

  function row(point) {
    const wrapper = document.createElement("div");
    wrapper.className = "anchor";
    wrapper.dataset.point = String(point);
    const label = document.createElement("label");
    label.htmlFor = "id_anchor_" + point;
    label.textContent = String(point);
    const input = document.createElement("input");
    input.type = "text";
    input.name = "anchor_" + point;
    input.id = "id_anchor_" + point;
    input.maxLength = 500;
    input.value = typed.get(String(point)) || "";
    wrapper.append(label, input);
    return wrapper;
  }

  function rebuild() {
    const min = Number.parseInt(low.value, 10);
    const max = Number.parseInt(high.value, 10);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min >= max || max - min > 100) return;
    remember();
    list.replaceChildren(...pointsOf(min, max).map(row));
  }

  if (!low.disabled) {
    low.addEventListener("change", rebuild);
    high.addEventListener("change", rebuild);
  }
})();
