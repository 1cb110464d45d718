// The progress bar of a background export (templates/reporting/job_detail.html):
// asks the job's small JSON endpoint every two seconds and shows how far it has
// got, then the download button. Without this script the page reloads itself
// (a <noscript> refresh) and shows the same. No library.
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box) { return; }
  var bar = document.getElementById("export-bar");
  var delay = 2000;

  function set(selector, text) {
    var node = box.querySelector(selector);
    if (node) { node.textContent = text; }
  }

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    set("[data-percent]", String(data.percent));
    set("[data-rows]", String(data.rows_done));
    set("[data-status-label]", data.status_label);
    if (data.total_rows !== null) { set("[data-total]", String(data.total_rows)); }
    if (data.download) { box.querySelector("[data-download]").hidden = false; }
  }

  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data);
        if (data.finished) {
          // Failures and expiries are explained by the page itself.
          if (!data.download) { window.location.reload(); }
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, delay * 2); });
  }

  window.setTimeout(poll, delay);
}());
