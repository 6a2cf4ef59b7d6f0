// The upload page: images (or a CSV with its images) dropped or chosen, each posted to the creatives
// API with a progress bar, a few at a time. The API validates every file; its messages are shown as
// they come. File names and server text are only ever set with textContent.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("upload-config").textContent);
  const csrf = document.querySelector("#upload-form input[name=csrfmiddlewaretoken]").value;
  const zone = document.getElementById("drop-zone");
  const input = document.getElementById("file-input");
  const list = document.getElementById("uploads");
  const status = document.getElementById("upload-status");
  const summary = document.getElementById("summary");
  const tally = { created: 0, updated: 0, skipped: 0, duplicates: 0 };
  const skipped = [];
  let active = 0;
  let reading = 0;  // CSVs whose rows are not all listed yet
  const waiting = [];

  // ---- Getting files ----

  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.dataset.state = "over";
  }));
  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) zone.dataset.state = "idle";
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.dataset.state = "idle";
    if (event.dataTransfer && event.dataTransfer.files.length) take(Array.from(event.dataTransfer.files));
  });
  // A file dropped beside the zone would make the browser leave the page to show it.
  ["dragover", "drop"].forEach((type) => window.addEventListener(type, (event) => event.preventDefault()));
  input.addEventListener("change", () => {
    take(Array.from(input.files));
    input.value = "";
  });

  function take(files) {
    const csvs = files.filter(isCsv);
    const images = files.filter((file) => !isCsv(file));
    if (!csvs.length) {
      images.forEach((file) => enqueue(file, { external_id: stem(file.name) }));
    } else {
      csvs.slice(1).forEach((csv) => finish(addItem(csv.name), "skipped", "drop one CSV at a time, with its images"));
      takeCsv(csvs[0], images);
    }
    refreshSummary();
  }

  function isCsv(file) {
    return /\.csv$/i.test(file.name) || file.type === "text/csv";
  }

  function stem(name) {
    return name.replace(/\.[^.]*$/, "") || name;
  }

  // ---- A CSV: the server parses it (the same rules as import_creatives), the page matches files ----

  async function takeCsv(csv, images) {
    reading += 1;
    try {
      await listCsvRows(csv, images);
    } finally {
      reading -= 1;
      refreshSummary();
    }
  }

  async function listCsvRows(csv, images) {
    status.textContent = `Reading ${csv.name}…`;
    let rows;
    try {
      const response = await fetch(config.api + "csv/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ csv: await csv.text() }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(messageOf(data) || `The server answered ${response.status}.`);
      rows = data.rows;
    } catch (error) {
      const item = addItem(csv.name);
      finish(item, "skipped", `${csv.name}: ${error.message}`);
      return;
    }
    status.textContent = `${csv.name}: ${rows.length} row${rows.length === 1 ? "" : "s"}.`;
    const byName = new Map(images.map((file) => [file.name, file]));
    const named = new Set();
    rows.forEach((row) => {
      const label = `${csv.name} line ${row.line}: ${row.external_id}`;
      if (row.problem) return finish(addItem(label), "skipped", row.problem);
      const file = row.image_name ? byName.get(row.image_name) : null;
      if (row.image_name && !file) {
        return finish(addItem(label), "skipped", `image ${row.image_name} was not dropped with the CSV`);
      }
      if (file) named.add(file.name);
      enqueue(file, {
        external_id: row.external_id, headline: row.headline, body: row.body,
        metadata: JSON.stringify(row.metadata),
      }, label);
    });
    images.filter((file) => !named.has(file.name)).forEach((file) => (
      finish(addItem(file.name), "skipped", "not named in the CSV's image column")
    ));
  }

  // ---- Uploading, a few at a time ----

  function enqueue(file, fields, label) {
    const item = addItem(label || file.name);
    item.querySelector(".state").textContent = "Waiting";
    waiting.push({ file, fields, item });
    pump();
    refreshSummary();
  }

  function pump() {
    while (active < config.parallel && waiting.length) {
      active += 1;
      upload(waiting.shift()).finally(() => {
        active -= 1;
        pump();
      });
    }
  }

  function upload({ file, fields, item }) {
    const form = new FormData();
    Object.entries(fields).forEach(([name, value]) => form.append(name, value));
    if (file) form.append("image", file, file.name);
    const bar = item.querySelector("progress");
    item.dataset.state = "uploading";
    item.querySelector(".state").textContent = "Uploading";
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", config.api);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = event.loaded / event.total;
      });
      xhr.upload.addEventListener("load", () => {
        item.querySelector(".state").textContent = "Checking on the server…";
      });
      xhr.addEventListener("load", () => {
        bar.value = 1;
        answered(item, xhr.status, parse(xhr.responseText));
        resolve();
      });
      xhr.addEventListener("error", () => {
        finish(item, "skipped", "network error: the upload did not reach the server");
        resolve();
      });
      xhr.send(form);
    });
  }

  function answered(item, code, data) {
    if (code === 200 || code === 201) {
      const state = data.created ? "created" : "updated";
      const link = document.createElement("a");
      link.href = `${config.creativePage}${data.id}/`;
      link.textContent = `#${data.id}`;
      finish(item, state, state === "created" ? "Created " : "Updated ", link);
      if (data.duplicates && data.duplicates.length) noteDuplicates(item, data.duplicates);
      return;
    }
    const reason = messageOf(data) || `the server answered ${code}`;
    finish(item, "skipped", code === 413 ? `too large for the server: ${reason}` : reason);
  }

  // One line per file: the creatives that already have exactly these image bytes.
  function noteDuplicates(item, ids) {
    tally.duplicates += 1;
    const line = document.createElement("p");
    line.className = "duplicate";
    line.append("Same image as ");
    ids.forEach((id, index) => {
      const link = document.createElement("a");
      link.href = `${config.creativePage}${id}/`;
      link.textContent = `creative #${id}`;
      line.append(...(index ? [", ", link] : [link]));
    });
    item.append(line);
    refreshSummary();
  }

  // ---- Showing it ----

  function addItem(label) {
    const item = document.createElement("li");
    item.className = "upload-item";
    item.dataset.state = "waiting";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = label;
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `Upload of ${label}`);
    const state = document.createElement("span");
    state.className = "state";
    item.append(name, bar, state);
    list.append(item);
    return item;
  }

  function finish(item, state, text, link) {
    item.dataset.state = state;
    const label = item.querySelector(".state");
    label.textContent = text;
    if (link) label.append(link);
    if (state === "skipped") {
      item.querySelector("progress").hidden = true;
      skipped.push(`${item.querySelector(".name").textContent}: ${text}`);
    }
    tally[state] += 1;
    refreshSummary();
  }

  function refreshSummary() {
    const busy = list.querySelectorAll("[data-state=waiting], [data-state=uploading]").length;
    const done = busy === 0 && reading === 0;
    const counts = `Created ${tally.created}, updated ${tally.updated}, skipped ${tally.skipped}` +
      (tally.duplicates ? `; ${tally.duplicates} duplicate${tally.duplicates === 1 ? "" : "s"} by content.` : ".");
    document.getElementById("summary-counts").textContent = counts;
    const reasons = document.getElementById("summary-skipped");
    reasons.replaceChildren(...skipped.map((text) => {
      const entry = document.createElement("li");
      entry.textContent = text;
      return entry;
    }));
    summary.hidden = false;
    summary.dataset.done = String(done);
    status.textContent = done ? "All files done." : `${active + waiting.length} to go…`;
  }

  function parse(text) {
    try {
      return JSON.parse(text);
    } catch (error) {
      return {};
    }
  }

  // The API's errors: {"detail": "..."} or {"field": ["message", ...]}, shown as "field: message".
  function messageOf(data) {
    if (!data || typeof data !== "object") return "";
    if (typeof data.detail === "string") return data.detail;
    return Object.entries(data).map(([field, value]) => {
      const text = Array.isArray(value) ? value.join(" ") : typeof value === "object" ? messageOf(value) : String(value);
      return field === "non_field_errors" ? text : `${field}: ${text}`;
    }).join("; ");
  }
})();
