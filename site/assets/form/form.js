/*
 * Vigie: the report form's behaviour (/signaler/).
 *
 * Without JavaScript, or outside a secure context (no WebCrypto), the page's
 * plain <form> posts to the intake's no-JavaScript path and nothing here runs
 * beyond the campaign code. In a secure context this script takes over submit:
 * photos are re-encoded (metadata removed), the tip is serialised exactly like
 * Python's serialize_tip, encrypted to the analysts' keys baked into the page,
 * and sent with automatic, duplicate-free retries (send.js).
 *
 * The age bundle is not a <script> tag: it is downloaded (with its integrity)
 * once the page is loaded and idle, and evaluated (tip.js `bundle`) at the
 * first interaction with the form, so it never holds the page before it is
 * usable. Send waits for it ("Chiffrement…"); if it cannot be loaded even
 * then, the page says so and becomes the plain form again (the server
 * encrypts), with everything typed kept.
 *
 * Privacy: nothing typed is ever written to localStorage, sessionStorage,
 * cookies or IndexedDB; the draft lives in this page's memory only.
 */
(function () {
  "use strict";

  var form = document.getElementById("vigie-form");
  var cfgEl = document.getElementById("vigie-form-config");
  if (!form || !cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var T = window.vigieTip;
  // Every word this script shows comes from the page's language
  // (i18n/<lang>.toml, baked into vigie-form-config by the site build).
  var t = T.translator(cfg.text);
  var $ = function (id) { return document.getElementById(id); };
  var status = $("vigie-status");
  var submit = $("vigie-submit");

  // The campaign code from the poster URL (?c=CODE) goes into the tip (hidden
  // input on every path), then leaves the visible URL: it must not stay in the
  // history, a screenshot or a shared link. A per-code page (/s/CODE/) already
  // holds the code in its hidden field: its entry becomes the plain form's.
  (function takeCampaign() {
    var params = new URLSearchParams(window.location.search);
    if (cfg.cleanUrl && !params.has("c")) {
      try {
        history.replaceState(history.state, "", new URL(cfg.cleanUrl, window.location.href).pathname);
      } catch (e) { /* the code is still only in this tab */ }
      return;
    }
    if (!params.has("c")) return;
    $("campaign").value = T.normalizeCampaign(params.get("c"), cfg.campaignPattern, cfg.campaignMax);
    params.delete("c");
    var query = params.toString();
    try {
      history.replaceState(history.state, "",
        window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    } catch (e) { /* the code is still only in this tab */ }
  })();

  var capable = window.isSecureContext && window.crypto && crypto.subtle &&
    window.Worker && window.vigiePhotos && window.vigieSend &&
    typeof createImageBitmap === "function" && cfg.recipients.length > 0;
  if (!capable) return; // the plain form works as is
  // Optional follow-up (followup.js): the checkbox appears only on this path.
  var followup = window.vigieFollowup || null;
  if (followup) followup.enable();

  form.noValidate = true; // our own messages, linked to each field
  var plainMode = $("vigie-mode").textContent; // the page's own no-JavaScript promise
  $("vigie-mode").textContent = t("mode_encrypted");

  // The age bundle: downloaded when the page is idle, evaluated at the first
  // interaction with the form; awaited at Send (a failed fetch is retried there).
  function loadAge() { return T.bundle(cfg.bundles, "age"); }
  function warmAge() {
    loadAge().then(function () { form.setAttribute("data-age", "ready"); }, function () {});
  }
  T.prefetch(cfg.bundles, ["age"]);
  form.addEventListener("focusin", warmAge, { once: true });
  form.addEventListener("pointerdown", warmAge, { once: true });

  // No age bundle even at Send: back to the plain form (the intake encrypts),
  // said before anything leaves, so the person chooses to send it that way.
  var plain = false;
  function plainPath() {
    plain = true;
    form.noValidate = false;
    $("vigie-mode").textContent = plainMode;
    if (followup) followup.disable();
    session.stop(session.pow);
    session.stop(session.previous);
    form.setAttribute("data-age", "unavailable");
    say(t("plain_fallback"));
  }

  var STATES = { checking: "checking", sending: "sending", renewing: "renewing", harder: "harder" };
  function say(text) { status.textContent = text; }
  var session = new window.vigieSend.Session(cfg, function (state, seconds, attempt, attempts) {
    if (state === "waiting") {
      say(t("waiting", { seconds: seconds, attempt: attempt, attempts: attempts }));
    } else if (state === "uploading") {
      // (seconds, attempt) carry (percent, total bytes) for this state.
      var megabytes = (attempt / (1024 * 1024)).toLocaleString(cfg.lang || "fr", {
        maximumFractionDigits: 1,
      });
      say(t("uploading", { percent: seconds, size: megabytes }));
    } else {
      say(STATES[state] ? t(STATES[state]) : "");
    }
  });

  // Marks the page once the anti-spam challenge is solved (tests wait on it).
  session.warm().then(function () {
    form.setAttribute("data-pow", "ready");
    form.setAttribute("data-pow-engine", session.engine || "");
  }, function () {});

  // ------------------------------------------------------------- photos
  var photos = [];
  var photosReady = Promise.resolve();
  var photoError = "";
  var photoInput = $("photos");
  var photoList = $("photos-list");

  function clearPhotos() {
    photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
    photos = [];
    photoList.textContent = "";
    photoList.hidden = true;
  }

  async function preparePhotos(files) {
    clearPhotos();
    photoError = "";
    if (files.length > cfg.maxAttachments) {
      photoError = t("too_many_photos", { max: cfg.maxAttachments });
      return;
    }
    if (!files.length) return;
    say(t("preparing_photos"));
    for (var i = 0; i < files.length; i++) {
      try {
        var p = await window.vigiePhotos.reencode(files[i], cfg.maxAttachmentBytes);
      } catch (e) {
        clearPhotos();
        photoError = t("photo_unreadable", { name: files[i].name });
        say("");
        return;
      }
      p.url = URL.createObjectURL(new Blob([p.data], { type: p.type }));
      photos.push(p);
      var li = document.createElement("li");
      var img = document.createElement("img");
      img.src = p.url;
      img.alt = "";
      var text = document.createElement("span");
      text.textContent = t("photo_ready", { n: i + 1, width: p.width, height: p.height });
      li.appendChild(img);
      li.appendChild(text);
      photoList.appendChild(li);
    }
    photoList.hidden = false;
    say(photos.length === 1 ? t("photos_ready_one")
      : t("photos_ready_many", { count: photos.length }));
  }

  photoInput.addEventListener("change", function () {
    photosReady = preparePhotos(Array.prototype.slice.call(photoInput.files));
  });

  // --------------------------------------------------------- validation
  var TEXT_FIELDS = ["place", "landmark", "when", "description", "vehicles"];

  function collect() {
    var checked = form.querySelector("input[name=category]:checked");
    // lang: the page's language, so the analysts answer in it (envelope v2).
    var tip = { category: checked ? checked.value : "", campaign: $("campaign").value,
      channel: "web", lang: cfg.lang || document.documentElement.lang || "fr", attachments: photos.map(function (p) {
        return { type: p.type, data: p.data };
      }) };
    TEXT_FIELDS.forEach(function (name) { tip[name] = $(name).value; });
    if (followup) Object.assign(tip, followup.fields());
    return tip;
  }

  function validate(tip) {
    var errors = [];
    if (!tip.category) {
      errors.push(["category", "category-spot", t("need_category")]);
    }
    if (!tip.description.trim()) {
      errors.push(["description", "description", t("need_description")]);
    }
    TEXT_FIELDS.forEach(function (name) {
      var limit = cfg.textLimits[name];
      if (T.codePoints(tip[name]) > limit) {
        errors.push([name, name, t("too_long", { limit: limit })]);
      }
    });
    if (photoError) errors.push(["photos", "photos", photoError]);
    return errors;
  }

  function clearErrors() {
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    form.querySelectorAll(".vigie-form__error").forEach(function (el) {
      el.hidden = true;
      el.textContent = "";
    });
    $("vigie-error-summary").hidden = true;
    $("vigie-error-list").textContent = "";
  }

  function showErrors(errors) {
    clearErrors();
    var list = $("vigie-error-list");
    errors.forEach(function (err) {
      var message = $(err[0] + "-error");
      message.textContent = err[2];
      message.hidden = false;
      var field = err[0] === "category" ? $("field-category") : $(err[1]);
      field.setAttribute("aria-invalid", "true");
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#" + err[1];
      a.textContent = err[2];
      a.addEventListener("click", function (event) {
        event.preventDefault();
        $(err[1]).focus();
      });
      li.appendChild(a);
      list.appendChild(li);
    });
    var summary = $("vigie-error-summary");
    summary.hidden = false;
    summary.focus();
  }

  // ------------------------------------------------------------- submit
  var busy = false;
  var pending = null; // {digest, key, body}: what was sent, kept for a resend

  async function digestHex(bytes) {
    var d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(d, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function succeed(result) {
    pending = null;
    if (followup) followup.onReceipt();
    form.reset();
    clearPhotos();
    form.hidden = true;
    $("vigie-receipt-code").textContent = result.receipt;
    offerCopy(result.receipt);
    var receipt = $("vigie-receipt");
    receipt.hidden = false;
    receipt.focus();
  }

  // "Copy the number": the Clipboard API, else the old selection copy (some
  // browsers refuse the API outside a user gesture or without permission).
  function offerCopy(code) {
    var button = $("vigie-receipt-copy");
    var said = $("vigie-receipt-copied");
    if (!button || !said) return;
    button.hidden = false;
    button.onclick = async function () {
      var ok = false;
      try {
        await navigator.clipboard.writeText(code);
        ok = true;
      } catch (e) {
        try {
          var range = document.createRange();
          range.selectNodeContents($("vigie-receipt-code"));
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          ok = document.execCommand("copy");
        } catch (e2) {
          ok = false;
        }
      }
      said.textContent = t(ok ? "receipt_copied" : "receipt_copy_failed");
    };
  }

  form.addEventListener("submit", async function (event) {
    if (plain) return; // the browser posts the plain form itself
    event.preventDefault();
    if (busy) return;
    busy = true;
    // aria-disabled, not disabled: a disabled button drops the keyboard focus.
    submit.setAttribute("aria-disabled", "true");
    try {
      await photosReady;
      if (followup) await followup.ready();
      var tip = collect();
      var errors = validate(tip);
      if (errors.length) {
        say("");
        showErrors(errors);
        return;
      }
      clearErrors();
      say(t("encrypting"));
      try {
        var age = await loadAge();
      } catch (e) {
        plainPath();
        return;
      }
      var plaintext = await T.serializeTip(tip);
      var digest = await digestHex(plaintext);
      if (!pending || pending.digest !== digest) {
        // Changed since a failed send (or first send): a new key, so the
        // intake cannot mistake it for the earlier version.
        if (pending) session.renew();
        var body = await age.encrypt(plaintext, cfg.recipients);
        if (body.length > cfg.maxBodyBytes) {
          say(t("too_big"));
          return;
        }
        pending = { digest: digest, key: session.key, body: body };
      }
      succeed(await session.send(pending));
    } catch (e) {
      if (e instanceof window.vigieSend.SendError && e.kind === "rejected") {
        say(e.message || t("rejected"));
      } else if (e instanceof window.vigieSend.SendError) {
        say(t("unreachable"));
      } else {
        say(t("browser_error", { police: cfg.police }));
      }
    } finally {
      busy = false;
      submit.removeAttribute("aria-disabled");
    }
  });
})();
