// Vigie desk: the only script (same origin, no inline code). Everything works
// without it; it only follows a pull's progress without reloading the page.
"use strict";
(function () {
  var box = document.getElementById("pull");
  if (!box || box.getAttribute("data-running") !== "yes") return;
  var bar = document.getElementById("pull-bar");
  var message = document.getElementById("pull-message");
  var refresh = document.getElementById("pull-refresh");
  if (refresh) refresh.hidden = true;
  function poll() {
    fetch("/pull/status", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.max = job.total || 1;
        bar.value = job.total ? job.done : (job.running ? 0 : 1);
        message.textContent = job.message;
        if (job.running) {
          setTimeout(poll, 400);
        } else {
          message.className = job.failed ? "error" : "";
          box.setAttribute("data-running", "no");
        }
      })
      .catch(function () { if (refresh) refresh.hidden = false; });
  }
  poll();
})();
