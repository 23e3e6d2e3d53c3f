// Vigie studio: hints as you type (code grammar, colour contrast) and a live
// preview of the pieces. An enhancement only: the server applies the same rules
// on submit, and every page works without it.
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

  // A live preview of each piece as it will print: the trial (drawn and
  // verified by the server, nothing written) is fetched as the form changes,
  // and its pieces replace the preview area. One trial at a time: a change
  // made while one is drawn asks for another when it is done (drawing every
  // piece takes the server a second or more). Without JavaScript the
  // « Essayer sans enregistrer » button does the same with a page load.
  var form = document.querySelector("form[data-live-preview]");
  var area = document.getElementById("live-preview");
  var status = document.getElementById("live-status");
  if (form && area && status && window.fetch && window.DOMParser) {
    var busy = false;
    var dirty = false;
    var run = function () {
      if (busy) { dirty = true; return; }
      busy = true;
      dirty = false;
      area.setAttribute("aria-busy", "true");
      status.textContent = "Aperçu en cours…";
      fetch(form.getAttribute("data-live-preview"), {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "text/html" },
      })
        .then(function (r) { return r.text().then(function (t) { return [r.ok, t]; }); })
        .then(function (answer) {
          var doc = new DOMParser().parseFromString(answer[1], "text/html");
          var fresh = doc.querySelector(answer[0] ? ".pieces" : "#erreurs ul");
          area.replaceChildren();
          if (fresh) area.appendChild(document.importNode(fresh, true));
          area.hidden = false;
          status.textContent = answer[0]
            ? "Aperçu mis à jour (rien n'est enregistré)."
            : "Aperçu impossible pour l'instant :";
        })
        .catch(function () { status.textContent = ""; })
        .then(function () {
          busy = false;
          area.setAttribute("aria-busy", "false");
          if (dirty) run();
        });
    };
    form.addEventListener("input", debounce(run, 1000));
    form.addEventListener("change", debounce(run, 300));
    var original = form.querySelector('[name="original"]');
    if (area.hidden && original && original.value) run(); // an existing variant: at once
  }
})();
