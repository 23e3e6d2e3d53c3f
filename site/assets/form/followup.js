/*
 * Vigie: the optional follow-up on the report form (/signaler/).
 *
 * Ticking « Je veux pouvoir recevoir une question des enquêteurs » draws 16
 * random bytes in the page and shows them as the 12-word « phrase de suivi »
 * (BIP39, French list); the reporter's age key, mailbox id and thread proof
 * are derived from them (vigiePhrase.derive, the twin of vigie/followup.py). Only
 * the public key, the mailbox id and the proof go into the tip, inside the
 * ciphertext. After the receipt, the reporter types back three of the words
 * (by position) so a badly copied phrase is caught while it can still be read.
 *
 * Privacy: the phrase, the seed and the private key live in this page's memory
 * only (never localStorage, sessionStorage, cookies, IndexedDB or a URL), and
 * are dropped once the phrase is checked. Nothing of them is ever sent.
 *
 * The phrase bundle (phrase.js, the word list) and age.js are fetched when the
 * box is ticked, not with the page (tip.js `bundle`): most reports never need
 * them.
 *
 * form.js calls enable() (only on its JavaScript path), ready() and fields()
 * when sending, onReceipt() once the tip is stored, and disable() if it falls
 * back to the plain form.
 */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var box = $("followup");
  var cfgEl = $("vigie-form-config");
  if (!box || !cfgEl || !window.vigieTip) return;
  var cfg = JSON.parse(cfgEl.textContent);
  // Every word this script shows comes from the page's language
  // (i18n/<lang>.toml [form] followup_*, baked into vigie-form-config).
  var t = window.vigieTip.translator(cfg.text);
  var T = {
    word: function (n) { return t("followup_word", { n: n }); },
    missing: t("followup_missing"),
    wrong: function (ns) {
      return ns.length === 1 ? t("followup_wrong_one", { n: ns[0] })
        : t("followup_wrong_many", { list: ns.join(", ") });
    },
    checked: t("followup_checked"),
    failed: t("followup_failed"),
  };

  var keys = null; // {phrase, identity, recipient, mailbox, proof}: memory only
  var pending = Promise.resolve();
  var positions = [];

  function show(id, on) { $(id).hidden = !on; }

  function forget() {
    keys = null;
    $("vigie-followup-phrase").textContent = "";
  }

  async function toggle() {
    if (!box.checked) {
      forget();
      show("vigie-followup-panel", false);
      return;
    }
    try {
      var loaded = await Promise.all([
        window.vigieTip.bundle(cfg.bundles, "age"),
        window.vigieTip.bundle(cfg.bundles, "phrase"),
      ]);
      var phrase = loaded[1];
      if (!box.checked) return; // unticked while the bundles arrived
      keys = await phrase.derive(phrase.newSeed());
      $("vigie-followup-phrase").textContent = keys.phrase;
      show("vigie-followup-panel", true);
    } catch (e) {
      forget();
      box.checked = false;
      $("followup-hint").textContent = T.failed;
    }
  }

  function enable() {
    show("vigie-followup-nojs", false);
    show("vigie-followup-choice", true);
    show("followup-hint", true);
    box.addEventListener("change", function () { pending = toggle(); });
  }

  /** The plain form (no encryption in the page) has no follow-up. */
  function disable() {
    box.checked = false;
    forget();
    show("vigie-followup-panel", false);
    show("vigie-followup-choice", false);
    $("followup-hint").textContent = T.failed;
  }

  /** The follow-up fields of the tip (empty when not ticked). */
  function fields() {
    if (!box.checked || !keys) return {};
    return { reply_key: keys.recipient, reply_mailbox: keys.mailbox, reply_proof: keys.proof };
  }

  /** Three distinct word positions (0-based), drawn with WebCrypto, in order. */
  function pickPositions() {
    var all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    var r = crypto.getRandomValues(new Uint32Array(all.length));
    for (var i = all.length - 1; i > 0; i--) { // Fisher-Yates (the tiny modulo bias is harmless here)
      var j = r[i] % (i + 1);
      var t = all[i]; all[i] = all[j]; all[j] = t;
    }
    return all.slice(0, 3).sort(function (a, b) { return a - b; });
  }

  function onReceipt() {
    if (!box.checked || !keys) return;
    show("vigie-receipt-oneway", false);
    show("vigie-followup-receipt", true);
    // The same phrase element, moved next to the receipt: one copy in the page.
    $("vigie-followup-slot").appendChild($("vigie-followup-panel"));
    positions = pickPositions();
    positions.forEach(function (p, i) {
      $("followup-confirm-" + (i + 1) + "-label").textContent = T.word(p + 1);
    });
  }

  function askWords() {
    show("vigie-followup-panel", false);
    show("vigie-followup-noted", false);
    show("vigie-followup-check", true);
    $("followup-confirm-1").focus();
  }

  function again() {
    show("vigie-followup-panel", true);
    show("vigie-followup-noted", true);
    show("vigie-followup-check", false);
    $("vigie-followup-phrase").focus();
  }

  function check(event) {
    event.preventDefault();
    if (!keys) return;
    var words = keys.phrase.split(" ");
    var wrong = [];
    var empty = false;
    positions.forEach(function (p, i) {
      var input = $("followup-confirm-" + (i + 1));
      var typed = input.value.trim();
      if (!typed) empty = true;
      var ok = typed && window.vigiePhrase.complete(typed) === words[p];
      input.setAttribute("aria-invalid", ok ? "false" : "true");
      if (!ok) wrong.push(p + 1);
    });
    var status = $("vigie-followup-check-status");
    if (empty) { status.textContent = T.missing; return; }
    if (wrong.length) { status.textContent = T.wrong(wrong); return; }
    forget(); // the page keeps nothing: the phrase is on paper now
    $("vigie-followup-panel").remove();
    show("vigie-followup-again", false);
    show("vigie-followup-confirm", false);
    [1, 2, 3].forEach(function (i) { $("followup-confirm-" + i).value = ""; });
    status.textContent = T.checked;
    $("vigie-followup-check").setAttribute("data-checked", "true");
  }

  $("vigie-followup-noted").addEventListener("click", askWords);
  $("vigie-followup-again").addEventListener("click", again);
  $("vigie-followup-check").addEventListener("submit", check);
  $("vigie-followup-phrase").setAttribute("tabindex", "-1");

  window.vigieFollowup = {
    enable: enable,
    disable: disable,
    ready: function () { return pending; },
    fields: fields,
    onReceipt: onReceipt,
  };
})();
