/*
 * Maps of registered models (core/maps.py): loads the compact points ([id, lat, lng, title, colour
 * key]) into a Leaflet marker cluster group — clusters split as you zoom — and fetches a marker's
 * popup (title, key fields, link) when it is clicked. Tiles come from data-tile-url; without one
 * the markers stand on a plain background. No inline script (CSP): configured by data-* attributes.
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function popupContent(data) {
    var box = el("div", "xh-map-popup");
    box.appendChild(el("div", "fw-bold mb-1", data.title));
    var list = el("dl", "mb-1");
    data.fields.forEach(function (pair) {
      if (!pair[1]) return;
      list.appendChild(el("dt", "", pair[0]));
      list.appendChild(el("dd", "", pair[1]));
    });
    box.appendChild(list);
    var link = el("a", "", data.link);
    link.href = data.url;
    link.setAttribute("data-testid", "map-popup-link");
    box.appendChild(link);
    return box;
  }

  function icon(color) {
    var dot = '<span class="xh-map-dot" style="background:' + color + '"></span>';
    return L.divIcon({ className: "xh-map-marker", html: dot, iconSize: [16, 16], iconAnchor: [8, 8] });
  }

  function init(node) {
    var colors = {};
    var colorsScript = document.getElementById("map-colors");
    if (colorsScript) colors = JSON.parse(colorsScript.textContent || "{}");
    var icons = {};
    function iconFor(key) {
      if (!icons[key]) icons[key] = icon(colors[key] || "#206bc4");
      return icons[key];
    }
    var map = L.map(node, { preferCanvas: true, worldCopyJump: true, maxZoom: 18 }).setView([35.0, 105.0], 4);
    var tileUrl = node.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        subdomains: node.getAttribute("data-tile-subdomains") || "abc",
        attribution: node.getAttribute("data-tile-attribution") || "",
        maxZoom: 18,
      }).addTo(map);
    } else {
      node.classList.add("xh-map-plain");
    }
    var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
    var popupBase = node.getAttribute("data-popup-url").replace(/0\/$/, "");
    var counter = document.querySelector("[data-map-count]");

    cluster.on("click", function (event) {
      var marker = event.layer;
      fetch(popupBase + marker.options.recordId + "/", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { marker.bindPopup(popupContent(data)).openPopup(); });
    });

    fetch(node.getAttribute("data-points-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (data) {
        var markers = data.points.map(function (p) {
          return L.marker([p[1], p[2]], { icon: iconFor(p[4]), title: p[3], recordId: p[0] });
        });
        map.addLayer(cluster);
        cluster.addLayers(markers); // chunked: added over a few frames, so bounds come from the points
        if (markers.length) {
          var bounds = L.latLngBounds(data.points.map(function (p) { return [p[1], p[2]]; }));
          map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
        }
        node.setAttribute("data-points", String(data.count));
        if (counter) {
          var text = node.getAttribute("data-count-text") + " " + data.count;
          if (data.truncated) text += " " + node.getAttribute("data-truncated-text");
          counter.textContent = text;
        }
      })
      .catch(function (error) {
        if (window.console) window.console.error("map points:", error);
        if (counter) counter.textContent = node.getAttribute("data-error-text");
        node.setAttribute("data-points", "error");
      });
  }

  document.querySelectorAll("[data-xh-map]").forEach(init);
})();
