// Progress of a job (web/jobs): polls its JSON once a second and moves the bar;
// when the job ends, the page is reloaded to show the result and what failed.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "yes") { return; }
  var url = box.dataset.progressUrl;
  function show(state) {
    document.getElementById("job-bar").value = state.percent;
    document.getElementById("job-percent").textContent = state.percent;
    document.getElementById("job-count").textContent = state.done + " / " + state.total + " 件";
    document.getElementById("job-status").textContent = state.status_label;
    document.getElementById("job-message").textContent = state.message;
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
