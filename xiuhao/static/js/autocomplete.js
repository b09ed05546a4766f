/* Autocomplete selects (select[data-autocomplete-url]): a search box above the select fetches
   matching options from the server; chosen options are kept. No inline code (strict CSP). */
(function () {
  "use strict";

  function setup(select) {
    if (select.dataset.acReady) return;
    select.dataset.acReady = "1";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1";
    input.placeholder = select.dataset.autocompletePlaceholder || "";
    input.setAttribute("aria-label", input.placeholder);
    select.parentNode.insertBefore(input, select);
    var timer = null;
    var loaded = false;

    function load(q) {
      var url = select.dataset.autocompleteUrl + "?q=" + encodeURIComponent(q || "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          var keep = Array.prototype.map.call(select.selectedOptions, function (o) { return o.value; });
          Array.prototype.slice.call(select.options).forEach(function (o) {
            if (!o.selected && o.value !== "") o.remove();
          });
          data.results.forEach(function (item) {
            if (keep.indexOf(String(item.id)) === -1) select.add(new Option(item.text, item.id));
          });
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(input.value); }, 250);
    });
    select.addEventListener("focus", function () {
      if (!loaded) { loaded = true; load(input.value); }
    });
    input.addEventListener("focus", function () {
      if (!loaded) { loaded = true; load(""); }
    });
  }

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("select[data-autocomplete-url]").forEach(setup);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
