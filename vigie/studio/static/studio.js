// Vigie studio: hints as you type (code grammar, colour contrast). An enhancement
// only: the server applies the same rules on submit, and every page works without it.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function show(input, message) {
    var box = document.getElementById(input.id + "-msg");
    if (!box) return;
    box.textContent = message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function ask(params, done) {
    var url = "/verifier?" + new URLSearchParams(params).toString();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (answer) done(answer); })
      .catch(function () { /* offline hints only: the server checks on submit */ });
  }

  var code = document.querySelector('[data-check="code"]');
  if (code) {
    code.addEventListener("input", debounce(function () {
      if (!code.value.trim()) { show(code, ""); return; }
      ask({ code: code.value }, function (a) {
        show(code, a.code ? a.code : "");
        var box = document.getElementById("code-msg");
        if (box && !a.code) box.textContent = "Code valable.";
      });
    }, 250));
  }

  var colors = Array.prototype.slice.call(document.querySelectorAll('[data-check="color"]'));
  function paint() {
    colors.forEach(function (input) {
      var swatch = document.querySelector('[data-swatch="' + input.id + '"]');
      if (swatch && /^#[0-9a-fA-F]{6}$/.test(input.value)) swatch.style.background = input.value;
    });
  }
  if (colors.length) {
    paint();
    var check = debounce(function () {
      var params = {};
      colors.forEach(function (input) { params[input.name] = input.value; });
      ask(params, function (a) {
        colors.forEach(function (input) { show(input, a[input.name] || ""); });
      });
      paint();
    }, 250);
    colors.forEach(function (input) { input.addEventListener("input", check); });
  }
})();
