// 受信トレイ: "select all" checkbox for the bulk actions.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("#inbox-form input[name=task]").forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
