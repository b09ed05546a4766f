// The process viewer 服务全流程可视化: draws the BPMN diagram of a definition or an instance with
// bpmn-js and marks the steps done / current / failed. Data comes from json_script elements named
// by the container's data-xml and data-states (no inline script: strict CSP).
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function render(container) {
    if (container.dataset.rendered || typeof window.BpmnJS === "undefined") return;
    container.dataset.rendered = "1";
    var xml = readJson(container.dataset.xml);
    var states = readJson(container.dataset.states) || {};
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport", "auto");
      Object.keys(states).forEach(function (id) {
        if (registry.get(id)) canvas.addMarker(id, "wf-" + states[id]);
      });
      container.dataset.ready = "1";
    }).catch(function (error) {
      container.dataset.error = "1";
      container.textContent = container.dataset.errorText + " " + (error && error.message ? error.message : "");
    });
  }

  function scan(root) {
    (root || document).querySelectorAll("[data-bpmn-viewer]").forEach(render);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (event) { scan(event.target); });
})();
