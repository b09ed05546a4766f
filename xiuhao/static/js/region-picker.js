/* Region picker: province / city / county selects over a hidden input that holds the chosen
 * region's pk (see xiuhao/org/templates/org/region_picker.html and RegionPickerWidget).
 *
 * Markup contract:
 *   [data-region-picker][data-children-url][data-suggest-url][data-region-suggest-from?]
 *     input[data-region-value]            the real form field (region pk)
 *     select[data-region-level="1|2|3"]   option value = region code, data-id = region pk
 * GET children-url?parent=<code> → [{code, name, id}]; GET suggest-url?address=… →
 * {code, name, path, id, chain: [{code, name, id}]} or 404.
 *
 * Loaded once by base.html; works on pages and on htmx-swapped fragments. No inline script.
 */
(function () {
  "use strict";

  var childrenCache = new Map(); // url → Promise<list>

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") === -1) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  function loadChildren(picker, parentCode) {
    var url = picker.dataset.childrenUrl + "?parent=" + encodeURIComponent(parentCode || "");
    if (!childrenCache.has(url)) {
      var request = getJSON(url).catch(function (error) {
        childrenCache.delete(url); // let a later attempt retry
        throw error;
      });
      childrenCache.set(url, request);
    }
    return childrenCache.get(url);
  }

  function selectsOf(picker) {
    return Array.prototype.slice
      .call(picker.querySelectorAll("select[data-region-level]"))
      .sort(function (a, b) {
        return Number(a.dataset.regionLevel) - Number(b.dataset.regionLevel);
      });
  }

  function clearSelect(select) {
    while (select.options.length > 1) select.remove(1); // keep the placeholder
    select.value = "";
    select.disabled = true;
  }

  function fillSelect(select, regions) {
    clearSelect(select);
    regions.forEach(function (region) {
      var option = new Option(region.name, region.code);
      option.dataset.id = region.id;
      select.add(option);
    });
    select.disabled = regions.length === 0;
  }

  // The hidden value is the deepest chosen region.
  function syncValue(picker) {
    var hidden = picker.querySelector("[data-region-value]");
    var value = "";
    selectsOf(picker).forEach(function (select) {
      var option = select.options[select.selectedIndex];
      if (select.value && option && option.dataset.id) value = option.dataset.id;
    });
    if (hidden.value !== value) {
      hidden.value = value;
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function onSelectChange(picker, select) {
    var selects = selectsOf(picker);
    var depth = selects.indexOf(select);
    selects.slice(depth + 1).forEach(clearSelect);
    picker.dataset.regionSource = "user";
    syncValue(picker);
    var next = selects[depth + 1];
    if (!select.value || !next) return;
    var code = select.value;
    loadChildren(picker, code)
      .then(function (regions) {
        if (select.value === code) fillSelect(next, regions); // ignore stale answers
      })
      .catch(function () {
        /* the selects stay as they are; the user can pick again */
      });
  }

  // Set the selects to chain = [{code, name, id}, …] from the province down.
  function setChain(picker, chain) {
    var selects = selectsOf(picker);
    var step = Promise.resolve();
    selects.forEach(function (select, depth) {
      step = step.then(function () {
        var link = chain[depth];
        var parent = chain[depth - 1];
        if (!link) {
          if (depth > 0 && parent) {
            return loadChildren(picker, parent.code).then(function (regions) {
              fillSelect(select, regions);
            });
          }
          clearSelect(select);
          return null;
        }
        var present = Array.prototype.some.call(select.options, function (o) {
          return o.value === link.code;
        });
        var ready = present ? Promise.resolve() : loadChildren(picker, parent ? parent.code : "").then(function (regions) {
          fillSelect(select, regions);
        });
        return ready.then(function () {
          select.disabled = false;
          select.value = link.code;
        });
      });
    });
    return step.then(function () {
      syncValue(picker);
    });
  }

  function bindSuggest(picker) {
    var sourceId = picker.dataset.regionSuggestFrom;
    var source = sourceId && document.getElementById(sourceId);
    if (!source) return;
    var latest = 0;
    source.addEventListener("change", function () {
      var hidden = picker.querySelector("[data-region-value]");
      // Never overwrite a region the user chose by hand.
      if (hidden.value && picker.dataset.regionSource !== "suggest") return;
      var address = source.value.trim();
      if (!address) return;
      var ticket = ++latest;
      getJSON(picker.dataset.suggestUrl + "?address=" + encodeURIComponent(address))
        .then(function (found) {
          if (ticket !== latest || !found.chain) return null;
          return setChain(picker, found.chain).then(function () {
            picker.dataset.regionSource = "suggest";
          });
        })
        .catch(function () {
          /* no region found: leave the picker alone */
        });
    });
  }

  function init(picker) {
    if (picker.dataset.regionReady) return;
    picker.dataset.regionReady = "1";
    if (picker.querySelector("[data-region-value]").value) picker.dataset.regionSource = "initial";
    selectsOf(picker).forEach(function (select) {
      select.addEventListener("change", function () {
        onSelectChange(picker, select);
      });
    });
    bindSuggest(picker);
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-region-picker]")) init(root);
    root.querySelectorAll("[data-region-picker]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      scan(document);
    });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (event) {
    scan(event.detail && event.detail.elt);
  });

  window.XiuhaoRegionPicker = { init: init, setChain: setChain };
})();
