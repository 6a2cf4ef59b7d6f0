// Live run page: poll the run API every 2 s and redraw the loss curves as SVG polylines.
(function () {
  "use strict";
  var root = document.getElementById("run");
  if (!root) { return; }
  var finished = ["succeeded", "failed", "cancelled"];

  function points(history, key, maxEpoch, maxLoss) {
    return history.map(function (h) {
      var x = 40 + 550 * (h.epoch - 1) / Math.max(maxEpoch - 1, 1);
      var y = 190 - 180 * h[key] / maxLoss;
      return x.toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
  }

  function draw(history) {
    if (!history.length) { return; }
    var maxEpoch = history[history.length - 1].epoch;
    var maxLoss = Math.max.apply(null, history.map(function (h) { return Math.max(h.train_loss, h.val_loss); })) || 1;
    document.getElementById("train-loss").setAttribute("points", points(history, "train_loss", maxEpoch, maxLoss));
    document.getElementById("val-loss").setAttribute("points", points(history, "val_loss", maxEpoch, maxLoss));
  }

  function show(run) {
    root.querySelectorAll("[data-field]").forEach(function (el) {
      var value = run[el.getAttribute("data-field")];
      el.textContent = value === null || value === undefined ? "" : value;
    });
    draw(run.history || []);
    if (finished.indexOf(run.status) === -1) { setTimeout(poll, 2000); }
  }

  function poll() {
    fetch(root.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(show)
      .catch(function () { setTimeout(poll, 5000); });
  }

  draw(JSON.parse(document.getElementById("run-history").textContent));
  poll();
})();
