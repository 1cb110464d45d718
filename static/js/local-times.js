// Writes the visitor's local time beside each <time data-local-time>
// (templates/scholarships/public/_moment.html). Without JavaScript (or without
// Intl) only the Brussels time shows. A file, not an inline script: the
// Content-Security-Policy allows scripts from this site only.
(function () {
  if (!window.Intl || !Intl.DateTimeFormat || !document.querySelectorAll) { return; }
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (zone === "Europe/Brussels") { return; }
  var lang = document.documentElement.lang || undefined;
  var times = document.querySelectorAll("time[data-local-time]");
  for (var i = 0; i < times.length; i++) {
    var el = times[i], when = new Date(el.getAttribute("datetime")), out = el.parentNode.querySelector(".local-time");
    if (isNaN(when.getTime()) || !out) { continue; }
    var options = {year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"};
    if (when.getUTCSeconds()) { options.second = "2-digit"; }
    try { out.querySelector("span").textContent = new Intl.DateTimeFormat(lang, options).format(when); } catch (e) { continue; }
    out.hidden = false;
  }
})();
