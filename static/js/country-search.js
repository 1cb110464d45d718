// Country choices that can be searched by typing (listing/widgets.py,
// SearchableCountrySelect). The page has a plain <select data-country-search>,
// which works without JavaScript; this script hides it visually and puts in front of
// it a text box with a list of suggestions (the ARIA combobox pattern). What
// is picked is selected in the hidden <select>, so the form sends what it
// always sent. A <select multiple> also gets the list of countries chosen,
// each with a button that removes it. No inline script or style: the
// Content-Security-Policy allows neither.
(function () {
  "use strict";
  var MAX_SUGGESTIONS = 8;
  var counter = 0;

  function fold(text) {
    // "côte" finds "Côte d’Ivoire"; "bel" finds "Belgium".
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    var multiple = select.multiple;
    var id = select.id || ("country-" + (++counter));
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value; });
    var wrapper = document.createElement("div");
    wrapper.className = "country-search position-relative";
    var chosen = document.createElement("ul");
    chosen.className = "list-inline mb-1 country-search-chosen";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-search";
    input.className = "form-control";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var list = document.createElement("ul");
    list.id = id + "-suggestions";
    list.className = "list-group position-absolute w-100 shadow z-3 country-search-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    if (select.classList.contains("is-invalid")) { input.classList.add("is-invalid"); }
    input.placeholder = select.dataset.placeholder || "";
    // The <label for> now names the text box.
    var label = document.querySelector("label[for='" + id + "']");
    if (label) { label.htmlFor = input.id; label.id = label.id || (id + "-label"); }
    if (label) { list.setAttribute("aria-labelledby", label.id); }
    var active = -1;

    function drawChosen() {
      if (!multiple) {
        var picked = select.options[select.selectedIndex];
        input.value = picked && picked.value ? picked.text : "";
        return;
      }
      chosen.textContent = "";
      options.forEach(function (option) {
        if (!option.selected) { return; }
        var item = document.createElement("li");
        item.className = "list-inline-item badge text-bg-light border mb-1";
        item.appendChild(document.createTextNode(option.text + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close";
        remove.setAttribute("aria-label", (select.dataset.removeLabel || "Remove") + " " + option.text);
        remove.addEventListener("click", function () {
          option.selected = false;
          drawChosen();
          input.focus();
        });
        item.appendChild(remove);
        chosen.appendChild(item);
      });
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function pick(option) {
      if (multiple) {
        option.selected = true;
        input.value = "";
      } else {
        select.value = option.value;
      }
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function matches(text) {
      var wanted = fold(text.trim());
      if (!wanted) { return []; }
      var starts = [], contains = [];
      options.forEach(function (option) {
        if (multiple && option.selected) { return; }
        var name = fold(option.text);
        if (name.indexOf(wanted) === 0 || option.value.toLowerCase() === wanted) {
          starts.push(option);
        } else if (name.indexOf(wanted) > 0) {
          contains.push(option);
        }
      });
      return starts.concat(contains).slice(0, MAX_SUGGESTIONS);
    }

    function suggest() {
      close();
      matches(input.value).forEach(function (option, index) {
        var item = document.createElement("li");
        item.id = id + "-option-" + index;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = option.text;
        item.dataset.value = option.value;
        // mousedown, not click: the text box keeps the focus.
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(option);
        });
        list.appendChild(item);
      });
      if (list.children.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function highlight(index) {
      var items = list.children;
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.classList.toggle("active", i === active);
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    input.addEventListener("input", suggest);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) { suggest(); } highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault();
        var item = list.children[active >= 0 ? active : 0];
        var option = options.filter(function (o) { return o.value === item.dataset.value; })[0];
        if (option) { pick(option); }
      }
    });
    input.addEventListener("blur", function () {
      close();
      if (!multiple) {
        // A name typed in full counts; an empty box clears the choice;
        // anything else goes back to what is chosen.
        var typed = fold(input.value.trim());
        if (!typed) { select.value = ""; }
        var exact = options.filter(function (o) { return fold(o.text) === typed; })[0];
        if (exact) { select.value = exact.value; }
        drawChosen();
      }
    });

    // Visually hidden, not removed: the form still sends it, and a script
    // (or a test) that chooses in it is followed by the text box.
    select.classList.add("visually-hidden");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.addEventListener("change", drawChosen);
    select.parentNode.insertBefore(wrapper, select);
    if (multiple) { wrapper.appendChild(chosen); }
    wrapper.appendChild(input);
    wrapper.appendChild(list);
    wrapper.appendChild(select);
    drawChosen();
  }

  document.querySelectorAll("select[data-country-search]").forEach(enhance);
})();
