// Behaviour of every page (templates/base.html). No inline handlers: the
// Content-Security-Policy allows scripts from this site's files only.
(function () {
  "use strict";
  // A <select data-autosubmit> (the language switcher) sends its form when
  // changed; without JavaScript its <noscript> button does.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
