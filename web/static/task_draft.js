// Task screen: saves what is typed as a server-side draft, 800 ms after the last change,
// and once more when the page is hidden or left. The draft is restored by the server.
(function () {
  "use strict";
  var form = document.getElementById("task-form");
  if (!form || !form.dataset.draftUrl) { return; }
  var url = form.dataset.draftUrl;
  var token = form.querySelector("input[name=csrf_token]").value;
  var status = document.getElementById("draft-status");
  var timer = null;
  var dirty = false;

  function values() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name.charAt(0) === "_" || el.disabled) { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      if (el.type === "select-multiple") {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
        return;
      }
      data[el.name] = el.value;
    });
    return data;
  }

  function save(keepalive) {
    if (!dirty) { return; }
    dirty = false;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(values())
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        var at = new Date(result.body.saved_at);
        status.textContent = "下書きを保存しました（" + at.toLocaleTimeString("ja-JP") + "）";
        status.dataset.state = "saved";
      } else {
        status.textContent = result.body.error || "下書きを保存できませんでした";
        status.dataset.state = "error";
      }
    }).catch(function () {
      dirty = true;
      status.textContent = "下書きを保存できませんでした（通信エラー）。入力は画面に残っています。";
      status.dataset.state = "error";
    });
  }

  function changed() {
    dirty = true;
    status.textContent = "入力中…";
    status.dataset.state = "typing";
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { save(false); }, 800);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { window.clearTimeout(timer); dirty = false; });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { window.clearTimeout(timer); save(true); }
  });
  window.addEventListener("pagehide", function () { window.clearTimeout(timer); save(true); });
})();
