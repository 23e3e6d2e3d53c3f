/* Vigie site script (every page). Replaces Material's bundle, which is not loaded.
 * - Quick exit: the "Quitter vite" link, or Escape pressed twice within 1.5 s,
 *   empties the page and replaces it with a neutral site. location.replace()
 *   swaps the current history entry, so Back does not land on Vigie (the
 *   earlier Vigie pages of this visit stay in history: browsers allow no more).
 * - The closed navigation drawer is inert (no off-screen Tab stops).
 * - Palette toggle (light/dark): remembered in sessionStorage only, which the
 *   browser forgets when the tab closes; never localStorage, never a cookie.
 * No network request, no storage of anything typed. */
(function () {
  "use strict";
  var exitLink = document.getElementById("vigie-exit");
  var exitUrl = exitLink ? exitLink.href : "https://meteofrance.com/";

  function quickExit(event) {
    if (event) event.preventDefault();
    try {
      sessionStorage.clear();
      document.title = "";
      document.documentElement.innerHTML = "";
    } catch (e) { /* leave anyway */ }
    window.location.replace(exitUrl);
  }
  if (exitLink) exitLink.addEventListener("click", quickExit);

  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1500) quickExit(event);
    lastEscape = now;
  });

  // The closed drawer of small screens is `inert`: out of the tab order and of
  // the accessibility tree (vigie.css hides it too, for pages without script).
  var drawer = document.getElementById("__drawer");
  var sidebar = document.querySelector(".md-sidebar--primary");
  var wide = window.matchMedia("(min-width: 76.25em)");
  function syncDrawer() {
    if (drawer && sidebar) sidebar.inert = !wide.matches && !drawer.checked;
  }
  if (drawer) drawer.addEventListener("change", syncDrawer);
  if (wide.addEventListener) wide.addEventListener("change", syncDrawer);
  syncDrawer();

  // Palette: Material's markup (radio inputs + labels hidden until a script runs).
  var KEY = "vigie.palette";
  var inputs = Array.prototype.slice.call(
    document.querySelectorAll("input[name='__palette']"));
  if (!inputs.length) return;

  function apply(input) {
    ["scheme", "primary", "accent"].forEach(function (name) {
      document.body.setAttribute("data-md-color-" + name,
        input.getAttribute("data-md-color-" + name));
    });
    input.checked = true;
    // Show only the toggle that follows the active scheme: it switches to the next one.
    inputs.forEach(function (other) {
      var label = other.nextElementSibling;
      if (label && label.tagName === "LABEL") label.hidden = other !== input;
    });
  }

  var chosen = null;
  try { chosen = sessionStorage.getItem(KEY); } catch (e) { /* storage off */ }
  var initial = inputs.filter(function (i) {
    return i.getAttribute("data-md-color-scheme") === chosen;
  })[0] || inputs.filter(function (i) {
    var media = i.getAttribute("data-md-color-media");
    return media && window.matchMedia(media).matches;
  })[0] || inputs[0];
  apply(initial);

  inputs.forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.checked) return;
      apply(input);
      try { sessionStorage.setItem(KEY, input.getAttribute("data-md-color-scheme")); }
      catch (e) { /* storage off: the choice lasts for this page only */ }
    });
  });
})();
