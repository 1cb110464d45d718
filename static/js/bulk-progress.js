// The progress bar of an admin bulk action run in the background
// (templates/reporting/bulk_job.html): asks the job's small JSON endpoint every
// two seconds and moves the bar in place (the aria-live line says how far it
// has got), then loads the page once more to show the outcome and refusals.
// Without this script the page reloads itself (a <noscript> refresh). No library.
(function () {
  "use strict";
  var box = document.getElementById("bulk-progress");
  if (!box || !box.dataset.statusUrl) { return; }
  var bar = document.getElementById("bulk-bar");
  var delay = 2000;

  function set(selector, text) {
    var node = box.querySelector(selector);
    if (node) { node.textContent = text; }
  }

  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        set("[data-percent]", String(data.percent));
        set("[data-processed]", String(data.processed));
        set("[data-status-label]", data.status_label);
        if (data.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, delay * 2); });
  }

  window.setTimeout(poll, delay);
}());
