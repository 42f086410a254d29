/* 案件詳細: the instance's BPMN diagram, read-only, with each element's state as a marker. */
(function () {
  "use strict";
  var container = document.getElementById("case-diagram");
  var status = document.getElementById("case-diagram-status");
  if (!container) {
    return;
  }
  if (typeof BpmnJS === "undefined") {
    status.textContent = "図の表示部品を読み込めませんでした。経過の一覧をご覧ください。";
    return;
  }
  var viewer = new BpmnJS({ container: container });

  fetch(container.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (diagram) {
      return viewer.importXML(diagram.xml).then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        Object.keys(diagram.states).forEach(function (id) {
          // Elements of a called process drawn in another file are not on this canvas.
          if (registry.get(id)) {
            canvas.addMarker(id, "state-" + diagram.states[id]);
          }
        });
        container.dataset.ready = "true";
      });
    })
    .catch(function () {
      status.textContent = "図を表示できませんでした。経過の一覧をご覧ください。";
      container.dataset.ready = "failed";
    });
})();
