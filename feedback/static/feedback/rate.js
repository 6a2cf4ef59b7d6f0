// The rating page: one creative at a time through the queue API, keyboard first.
// Creative text is only ever set with textContent; the server renders the rubric (autoescaped).
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("rate-config").textContent);
  const root = document.getElementById("rate");
  const form = document.getElementById("rating-form");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const criteria = Array.from(document.querySelectorAll(".criterion"));
  const $ = (id) => document.getElementById(id);
  const DIGIT_WAIT_MS = 700;

  let current = null;      // {assignment, shownAt, scores, clientUuid}
  let ahead = [];          // prefetched assignments, next first
  let exhausted = false;   // the server said 204 for the next item
  let prefetching = null;  // the in-flight prefetch promise
  let last = null;         // {ratingId, at, assignment, scores}
  let focusIndex = 0;
  let digits = "";
  let digitTimer = null;
  let busy = false;
  let calibrationOpen = false;

  // ---- API ----

  async function api(method, path, body) {
    const response = await fetch(config.api + path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(messageOf(data) || `Request failed (${response.status}).`);
    return data;
  }

  function messageOf(data) {
    if (!data || typeof data !== "object") return "";
    if (data.detail) return String(data.detail);
    return Object.values(data).flat().join(" ");
  }

  function fetchNext() {
    const onScreen = [current, ...ahead.map((a) => ({ assignment: a }))]
      .filter(Boolean).map((item) => item.assignment.creative.id);
    const query = onScreen.length ? `?exclude=${onScreen.join(",")}` : "";
    return api("GET", `queue/next/${query}`);
  }

  function prefetch() {
    if (prefetching || exhausted || ahead.length) return prefetching;
    prefetching = fetchNext()
      .then((assignment) => {
        if (assignment) {
          ahead.push(assignment);
          new Image().src = assignment.creative.image;  // the browser caches it for the next show
        } else {
          exhausted = true;
        }
      })
      .catch((error) => say(error.message))
      .finally(() => { prefetching = null; });
    return prefetching;
  }

  async function refreshProgress() {
    try {
      const progress = await api("GET", "queue/progress/");
      $("done-today").textContent = progress.done_today;
      $("left-in-queue").textContent = progress.left_in_queue + (progress.left_in_queue_capped ? "+" : "");
    } catch (error) { /* progress is a nicety; the next action retries */ }
  }

  // ---- Showing an item ----

  async function advance() {
    if (!ahead.length && !exhausted) await (prefetching || prefetch());
    const assignment = ahead.shift();
    if (!assignment) return showEmpty();
    show(assignment, {});
    prefetch();
  }

  function show(assignment, scores) {
    current = { assignment, shownAt: new Date(), scores: { ...scores }, clientUuid: newUuid() };
    const creative = assignment.creative;
    $("creative-image").src = creative.image;
    $("creative-headline").textContent = creative.headline || "";
    $("creative-body").textContent = creative.body || "";
    const kind = $("creative-kind");
    // Repeats and gold stay blind; only calibration is announced, since its reference follows.
    kind.hidden = assignment.kind !== "calibration";
    kind.textContent = "Calibration item: you will see the reference scores after submitting.";
    criteria.forEach(paint);
    setFocus(0);
    $("empty").hidden = true;
    $("item").hidden = false;
    root.dataset.state = "rating";
    root.dataset.creative = String(creative.id);
  }

  function showEmpty() {
    current = null;
    $("item").hidden = true;
    $("empty").hidden = false;
    root.dataset.state = "empty";
    delete root.dataset.creative;
  }

  function paint(fieldset) {
    const value = current ? current.scores[fieldset.dataset.criterion] : undefined;
    let anchor = "";
    fieldset.querySelectorAll(".point").forEach((button) => {
      const on = Number(button.dataset.value) === value;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-checked", on ? "true" : "false");
      if (on) anchor = `${button.dataset.value}: ${button.dataset.anchor}`;
    });
    fieldset.querySelector(".anchor-now").textContent = anchor;
    fieldset.classList.toggle("scored", value !== undefined);
  }

  function setFocus(index) {
    focusIndex = Math.max(0, Math.min(criteria.length - 1, index));
    criteria.forEach((fieldset, i) => fieldset.classList.toggle("focused", i === focusIndex));
    const fieldset = criteria[focusIndex];
    if (fieldset) fieldset.focus({ preventScroll: false });
  }

  function score(fieldset, value) {
    const min = Number(fieldset.dataset.min);
    const max = Number(fieldset.dataset.max);
    if (!current || value < min || value > max) return false;
    current.scores[fieldset.dataset.criterion] = value;
    paint(fieldset);
    return true;
  }

  // ---- Actions ----

  async function submit() {
    if (!current || busy) return;
    const missing = criteria.findIndex((f) => current.scores[f.dataset.criterion] === undefined);
    if (missing !== -1) {
      setFocus(missing);
      return say("Score every criterion before submitting.");
    }
    busy = true;
    const item = current;
    try {
      const rating = await api("POST", "ratings/", {
        creative: item.assignment.creative.id,
        scores: item.scores,
        client_uuid: item.clientUuid,
        duration_ms: Math.max(0, Date.now() - item.shownAt.getTime()),
        shown_at: item.shownAt.toISOString(),
      });
      last = { ratingId: rating.id, at: Date.now(), assignment: item.assignment, scores: item.scores };
      $("undo").disabled = false;
      say("Saved.");
      refreshProgress();
      if (rating.reference) {
        showCalibration(item.scores, rating.reference);
      } else {
        await advance();
      }
    } catch (error) {
      say(error.message);
    } finally {
      busy = false;
    }
  }

  async function skip(reason) {
    if (!current || busy) return;
    busy = true;
    try {
      await api("POST", "queue/skip/", { creative: current.assignment.creative.id, reason });
      say("Skipped.");
      refreshProgress();
      await advance();
    } catch (error) {
      say(error.message);
    } finally {
      busy = false;
    }
  }

  async function undo() {
    if (!last || busy) return;
    if (Date.now() - last.at > config.undoSeconds * 1000) {
      last = null;
      $("undo").disabled = true;
      return say(`Only the last minute can be undone.`);
    }
    busy = true;
    try {
      const undone = await api("POST", `ratings/${last.ratingId}/undo/`);
      if (current) ahead.unshift(current.assignment);
      closeCalibration();
      const assignment = { ...last.assignment, lease: undone.lease, lease_expires: undone.lease_expires };
      show(assignment, last.scores);
      last = null;
      $("undo").disabled = true;
      say("Undone: the creative is back with your scores; change them and submit again.");
      refreshProgress();
    } catch (error) {
      say(error.message);
    } finally {
      busy = false;
    }
  }

  function showCalibration(mine, reference) {
    const rows = $("calibration-rows");
    rows.replaceChildren();
    config.criteria.forEach((criterion) => {
      const tr = document.createElement("tr");
      [criterion.name, mine[criterion.id], reference[criterion.id]].forEach((text) => {
        const td = document.createElement("td");
        td.textContent = text === undefined ? "–" : String(text);
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    calibrationOpen = true;
    $("item").hidden = true;
    $("calibration").hidden = false;
    root.dataset.state = "calibration";
    $("calibration-continue").focus();
  }

  function closeCalibration() {
    calibrationOpen = false;
    $("calibration").hidden = true;
  }

  function openSkip() {
    if (!current) return;
    $("skip-dialog").hidden = false;
    $("skip-reason").value = "";
    $("skip-reason").focus();
  }

  function closeSkip() {
    $("skip-dialog").hidden = true;
    setFocus(focusIndex);
  }

  function toggleKeymap(open) {
    const keymap = $("keymap");
    keymap.hidden = open === undefined ? !keymap.hidden : !open;
  }

  function say(text) {
    $("status").textContent = text;
  }

  // ---- Keys, mouse and touch ----

  function typeDigit(key) {
    const fieldset = criteria[focusIndex];
    if (!fieldset || !current) return;
    const max = Number(fieldset.dataset.max);
    digits += key;
    clearTimeout(digitTimer);
    // On scales past 9, wait briefly for a second digit unless no longer number would fit.
    if (Number(digits) * 10 > max || digits.length >= String(max).length) return commitDigits();
    digitTimer = setTimeout(commitDigits, DIGIT_WAIT_MS);
  }

  function commitDigits() {
    clearTimeout(digitTimer);
    const value = Number(digits);
    digits = "";
    if (score(criteria[focusIndex], value)) setFocus(focusIndex + 1);
    else say("That value is not on this scale.");
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const inSkip = !$("skip-dialog").hidden;
    if (inSkip) {
      if (event.key === "Escape") { event.preventDefault(); closeSkip(); }
      return;  // the skip form handles Enter itself
    }
    if (!$("keymap").hidden && (event.key === "Escape" || event.key === "?")) {
      event.preventDefault();
      return toggleKeymap(false);
    }
    if (calibrationOpen) {
      if (event.key === "Enter") { event.preventDefault(); continueAfterCalibration(); }
      else if (event.key === "u" || event.key === "U") { event.preventDefault(); undo(); }
      return;
    }
    const key = event.key;
    if (/^[0-9]$/.test(key)) { event.preventDefault(); return typeDigit(key); }
    if (digits) commitDigits();
    if (key === "ArrowDown" || key === "ArrowRight") { event.preventDefault(); return setFocus(focusIndex + 1); }
    if (key === "ArrowUp" || key === "ArrowLeft") { event.preventDefault(); return setFocus(focusIndex - 1); }
    if (key === "Enter") { event.preventDefault(); return submit(); }
    if (key === "s" || key === "S") { event.preventDefault(); return openSkip(); }
    if (key === "u" || key === "U") { event.preventDefault(); return undo(); }
    if (key === "?") { event.preventDefault(); return toggleKeymap(); }
  });

  function continueAfterCalibration() {
    closeCalibration();
    advance();
  }

  criteria.forEach((fieldset, index) => {
    fieldset.addEventListener("click", (event) => {
      const button = event.target.closest(".point");
      if (!button) return setFocus(index);
      if (score(fieldset, Number(button.dataset.value))) setFocus(index + 1);
    });
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  $("skip").addEventListener("click", openSkip);
  $("undo").addEventListener("click", undo);
  $("skip-dialog").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = $("skip-reason").value.trim();
    $("skip-dialog").hidden = true;
    skip(reason);
  });
  $("skip-cancel").addEventListener("click", closeSkip);
  $("show-keys").addEventListener("click", () => toggleKeymap());
  $("keymap-close").addEventListener("click", () => toggleKeymap(false));
  $("calibration-continue").addEventListener("click", continueAfterCalibration);

  // Works outside secure contexts too (crypto.randomUUID needs HTTPS or localhost).
  function newUuid() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  advance().catch((error) => say(error.message));
})();
