/*
 * Vigie: the reporter's follow-up page (/suivi/).
 *
 * The 12 words typed in #phrase are checked (list and BIP39 checksum) before
 * anything happens; a wrong phrase never leaves the page, and no request is
 * made for it. A valid phrase is turned, in the page, into the reporter's age
 * identity, mailbox id and thread proof (vigiePhrase.derive, the twin of
 * vigie/followup.py). Then: proof-of-work, POST /api/replies with the mailbox
 * id in the body (the answer has one fixed size whatever it holds), decryption
 * of each message here with the derived identity, display in #vigie-replies.
 * An answer is an ordinary encrypted tip (kind "followup", the mailbox id and
 * proof inside the ciphertext) sent through POST /api/tips with the same
 * duplicate-free retries as the form, and gets its own receipt.
 *
 * The bundles (age.js, phrase.js with the word list) are downloaded once the
 * page is loaded and idle, evaluated at the first focus on the phrase (tip.js
 * `bundle`), and awaited before they are used.
 *
 * Privacy: the phrase, the seed and the private key stay in this page's
 * memory (never in storage, a cookie, a URL or a request) and are dropped by
 * « Fermer ». Message text is shown with textContent only, never as HTML.
 */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var form = $("vigie-suivi");
  var cfgEl = document.getElementById("vigie-form-config");
  if (!form || !cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var capable = window.isSecureContext && window.crypto && crypto.subtle && window.Worker &&
    window.vigieSend && window.vigieTip && cfg.recipients.length > 0;
  if (!capable) return; // #vigie-suivi-nojs says why nothing can be read
  // Every word this script shows comes from the page's language
  // (i18n/<lang>.toml [form] suivi_* and the shared statuses, baked into
  // vigie-form-config by hooks/form_page.py, as on the form).
  var t = window.vigieTip.translator(cfg.text);
  var T = {
    phrase: {
      count: function (n) { return t("suivi_count", { n: n }); },
      word: function (n) { return t("suivi_unknown_word", { n: n }); },
      checksum: t("suivi_checksum"),
    },
    recognised: function (words) { return t("suivi_recognised", { words: words.join(" ") }); },
    opening: t("suivi_opening"),
    checking: t("checking"),
    harder: t("harder"),
    sending: t("suivi_sending"),
    renewing: t("renewing"),
    waiting: function (s) { return t("suivi_waiting", { seconds: s }); },
    unreachable: t("suivi_unreachable"),
    error: t("browser_error", { police: cfg.police }),
    none: t("suivi_none"),
    some: function (n) { return n === 1 ? t("suivi_some_one") : t("suivi_some_many", { count: n }); },
    damaged: t("suivi_damaged"),
    from: function (day) { return t("suivi_from", { day: day }); },
    emptyAnswer: t("suivi_empty_answer"),
    longAnswer: function (n) { return t("suivi_long_answer", { limit: n }); },
    encrypting: t("suivi_encrypting"),
    tooLarge: t("suivi_too_large"),
    closed: t("suivi_closed"),
  };

  $("vigie-suivi-nojs").hidden = true;
  form.hidden = false;
  var keys = null; // {identity, mailbox, proof, ...}: memory only
  var phrase = $("phrase");
  var status = $("vigie-suivi-status");
  var answerStatus = $("vigie-answer-status");
  var say = function (text) { status.textContent = text; };
  var sayAnswer = function (text) { answerStatus.textContent = text; };
  var session = new window.vigieSend.Session(cfg, function (state, seconds) {
    var text = state === "waiting" ? T.waiting(seconds) : T[state];
    (keys && !$("vigie-thread").hidden ? sayAnswer : say)(typeof text === "string" ? text : "");
  });
  session.warm().then(function () { form.setAttribute("data-pow", "ready"); }, function () {});

  // Both bundles; a failed fetch is forgotten and tried again by the next call.
  var age = null;
  var words = null; // window.vigiePhrase
  function loadBundles() {
    return Promise.all([
      window.vigieTip.bundle(cfg.bundles, "age"),
      window.vigieTip.bundle(cfg.bundles, "phrase"),
    ]).then(function (loaded) {
      age = loaded[0];
      words = loaded[1];
      form.setAttribute("data-bundles", "ready");
      showWords();
    });
  }
  function warmBundles() { loadBundles().catch(function () {}); }
  window.vigieTip.prefetch(cfg.bundles, ["age", "phrase"]);
  $("phrase").addEventListener("focus", warmBundles, { once: true });

  function fieldError(id, text) {
    var el = $(id + "-error");
    el.textContent = text || "";
    el.hidden = !text;
    if (text) $(id).setAttribute("aria-invalid", "true");
    else $(id).removeAttribute("aria-invalid");
  }

  // Live completion: each word from its first four letters.
  // (Shown once the word list is here; typing before that is simply read later.)
  function showWords() {
    if (!words) return;
    var found = phrase.value.split(/\s+/).filter(Boolean).map(function (w) {
      return words.complete(w) || "?";
    });
    $("phrase-words").textContent = found.length ? T.recognised(found) : "";
  }
  phrase.addEventListener("input", showWords);

  function decode(bytes) {
    var text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    var magic = "vigie-reply/1\n";
    if (text.slice(0, magic.length) !== magic) throw new Error("not a reply");
    var end = text.indexOf("\n", magic.length);
    if (end < 0 || /[^\0]/.test(text.slice(end + 1))) throw new Error("bad padding");
    var record = JSON.parse(text.slice(magic.length, end));
    if (record.format !== "vigie-reply" || typeof record.text !== "string") throw new Error("bad");
    return record;
  }

  function fromBase64(b64) {
    return Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
  }

  async function show(answer) {
    var list = $("vigie-replies");
    list.textContent = "";
    var records = [];
    var damaged = 0;
    for (var i = 0; i < answer.replies.length; i++) {
      try {
        records.push(decode(await age.decrypt(fromBase64(answer.replies[i]), keys.identity)));
      } catch (e) {
        damaged += 1;
      }
    }
    records.sort(function (a, b) {
      return a.date < b.date ? -1 : a.date > b.date ? 1 : a.slot - b.slot;
    });
    records.forEach(function (r) {
      var item = document.createElement("article");
      item.className = "vigie-thread__message";
      var head = document.createElement("h3");
      head.textContent = T.from(String(r.date));
      var body = document.createElement("p");
      body.className = "vigie-thread__text";
      body.textContent = r.text; // text, never HTML
      item.appendChild(head);
      item.appendChild(body);
      list.appendChild(item);
    });
    say((records.length ? T.some(records.length) : T.none) + (damaged ? " " + T.damaged : ""));
    var thread = $("vigie-thread");
    thread.hidden = false;
    thread.setAttribute("data-replies", String(records.length));
    thread.focus();
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var seed;
    try {
      say(T.opening);
      await loadBundles();
    } catch (e) {
      say(T.error);
      return;
    }
    try {
      // Checked here, before any request: a mistyped phrase is never sent anywhere.
      seed = words.seedFromPhrase(phrase.value);
    } catch (e) {
      var m = T.phrase[e.code];
      say("");
      fieldError("phrase", typeof m === "function"
        ? m(e.code === "count" ? phrase.value.split(/\s+/).filter(Boolean).length : e.position)
        : (m || T.phrase.checksum));
      phrase.focus();
      return;
    }
    fieldError("phrase", "");
    say(T.opening);
    try {
      keys = await words.derive(seed);
      phrase.value = ""; // the words are not needed any more, and not left on screen
      $("phrase-words").textContent = "";
      await show(await session.readReplies(keys.mailbox));
    } catch (e) {
      keys = null;
      say(e instanceof window.vigieSend.SendError
        ? (e.kind === "rejected" && e.message) || T.unreachable : T.error);
    }
  });

  var pending = null;
  $("vigie-answer-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!keys) return;
    var text = $("answer").value;
    var limit = cfg.textLimits.description;
    if (!text.trim()) { fieldError("answer", T.emptyAnswer); return; }
    if (window.vigieTip.codePoints(text) > limit) { fieldError("answer", T.longAnswer(limit)); return; }
    fieldError("answer", "");
    var button = $("vigie-answer-submit");
    button.setAttribute("aria-disabled", "true");
    try {
      sayAnswer(T.encrypting);
      if (!pending || pending.text !== text) {
        if (pending) session.renew();
        var plaintext = await window.vigieTip.serializeTip({
          category: "other", description: text, channel: "web", kind: "followup",
          lang: cfg.lang || document.documentElement.lang || "fr", // the page's, like form.js
          reply_key: keys.recipient, reply_mailbox: keys.mailbox, reply_proof: keys.proof,
        });
        var body = await age.encrypt(plaintext, cfg.recipients);
        if (body.length > cfg.maxBodyBytes) { sayAnswer(T.tooLarge); return; }
        pending = { text: text, key: session.key, body: body };
      }
      var result = await session.send(pending);
      pending = null;
      $("answer").value = "";
      sayAnswer("");
      $("vigie-answer-code").textContent = result.receipt;
      $("vigie-answer-receipt").hidden = false;
      $("vigie-answer-receipt").focus();
    } catch (e) {
      sayAnswer(e instanceof window.vigieSend.SendError
        ? (e.kind === "rejected" && e.message) || T.unreachable : T.error);
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });

  $("vigie-suivi-close").addEventListener("click", function () {
    keys = null;
    pending = null;
    $("vigie-replies").textContent = "";
    $("answer").value = "";
    $("vigie-answer-receipt").hidden = true;
    $("vigie-thread").hidden = true;
    say(T.closed);
    phrase.focus();
  });
})();
