// The split by sex and nationality of the would-be selection on the ranking
// page, recounted as the committee marks its decisions. The server counts the
// same on a plain form post ("Count the selection again"), so the page works
// without this script. No library: it must run on a closed network.
// The quota and the yearly ceiling are the server's (scholarships/places.py):
// data.free is the number of awards it counts free, and the warning shows
// when more are marked selected than that; nothing of the rule is restated.
(function () {
  "use strict";
  var node = document.getElementById("ranking-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var selects = document.querySelectorAll("select[data-decision]");

  function rows(counts, labels, total) {
    var entries = Object.keys(counts).map(function (code) { return [code, counts[code]]; });
    entries.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
    var body = document.createDocumentFragment();
    entries.forEach(function (entry) {
      var tr = document.createElement("tr");
      [labels[entry[0]] || entry[0] || "\u2014", String(entry[1]),
       Math.round(100 * entry[1] / (total || 1)) + "%"].forEach(function (text, i) {
        var td = document.createElement("td");
        td.textContent = text;
        if (i > 0) { td.className = "text-end" + (i === 2 ? " text-muted" : ""); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    return body;
  }

  function recount() {
    var sex = Object.assign({}, data.base.sex);
    var country = Object.assign({}, data.base.country);
    var marked = 0;
    selects.forEach(function (select) {
      if (select.value !== "selected") { return; }
      marked += 1;
      sex[select.dataset.sex] = (sex[select.dataset.sex] || 0) + 1;
      country[select.dataset.country] = (country[select.dataset.country] || 0) + 1;
    });
    var total = Object.keys(sex).reduce(function (n, k) { return n + sex[k]; }, 0);
    document.getElementById("split-total").textContent = String(total);
    document.getElementById("marked-count").textContent = String(marked);
    document.getElementById("over-limit").hidden = marked <= data.free;
    document.getElementById("split-sex").replaceChildren(rows(sex, data.sex_labels, total));
    document.getElementById("split-country").replaceChildren(
      rows(country, data.country_labels, total));
  }

  selects.forEach(function (select) { select.addEventListener("change", recount); });
})();
