/*
 * Vigie: the browser side of the tip plaintext container.
 *
 * Produces exactly the bytes of Python's vigie.core.envelope.serialize_tip:
 *   "vigie-tip/2\n" + canonical JSON manifest + "\n" + attachment bytes.
 * Canonical JSON = keys sorted, no spaces, non-ASCII characters kept as is
 * (Python: json.dumps(ensure_ascii=False, sort_keys=True, separators=(",", ":"))).
 * tests/vectors/plaintext.json pins the bytes; tests/test_js_vectors.py runs
 * this file in Chromium against them.
 *
 * Also the pages' loader of the crypto bundles (`bundle`, below).
 *
 * Exposed as window.vigieTip (no modules: the page's CSP allows only
 * same-origin scripts, and classic scripts keep the page simple).
 */
(function () {
  "use strict";

  var MAGIC = "vigie-tip/2\n";
  var VERSION = 2;
  var encoder = new TextEncoder();

  // Lone UTF-16 surrogates cannot be encoded in UTF-8 (Python refuses them);
  // a pasted broken character becomes U+FFFD instead of failing the tip.
  function wellFormed(s) {
    return s.replace(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      function (m, before) {
        return before === undefined ? "\uFFFD" : before + "\uFFFD";
      }
    );
  }

  // JSON.stringify already matches Python's escaping for strings (\" \\ \b \f
  // \n \r \t, other controls as lowercase \u00xx, nothing else escaped) and
  // for integers; only key order needs doing by hand.
  function canonicalJson(value) {
    if (Array.isArray(value)) {
      return "[" + value.map(canonicalJson).join(",") + "]";
    }
    if (value !== null && typeof value === "object") {
      var keys = Object.keys(value).sort(compareCodePoints);
      return "{" + keys.map(function (k) {
        return JSON.stringify(k) + ":" + canonicalJson(value[k]);
      }).join(",") + "}";
    }
    if (typeof value === "string") {
      return JSON.stringify(wellFormed(value));
    }
    if (typeof value === "number" && !Number.isInteger(value)) {
      throw new Error("canonical JSON: integers only");
    }
    return JSON.stringify(value);
  }

  // Python sorts str keys by code point; JS sort() by UTF-16 unit. Same for
  // the ASCII keys Vigie uses, but be exact anyway.
  function compareCodePoints(a, b) {
    var ia = Array.from(a), ib = Array.from(b);
    for (var i = 0; i < Math.min(ia.length, ib.length); i++) {
      var d = ia[i].codePointAt(0) - ib[i].codePointAt(0);
      if (d !== 0) return d;
    }
    return ia.length - ib.length;
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  async function attachmentManifest(a) {
    var digest = await crypto.subtle.digest("SHA-256", a.data);
    return { sha256: hex(digest), size: a.data.length, type: a.type };
  }

  /** The manifest, key for key like Python's Tip.manifest(). */
  async function manifest(tip) {
    var attachments = tip.attachments || [];
    var entries = [];
    for (var i = 0; i < attachments.length; i++) {
      entries.push(await attachmentManifest(attachments[i]));
    }
    return {
      attachments: entries,
      campaign: tip.campaign || "",
      category: tip.category,
      channel: tip.channel || "web",
      description: tip.description,
      format: "vigie-tip",
      kind: tip.kind || "tip",
      landmark: tip.landmark || "",
      lang: tip.lang || "fr",
      place: tip.place || "",
      reply_key: tip.reply_key || "",
      reply_mailbox: tip.reply_mailbox || "",
      reply_proof: tip.reply_proof || "",
      vehicles: tip.vehicles || "",
      version: VERSION,
      when: tip.when || "",
    };
  }

  /** tip -> Uint8Array plaintext container (attachments: [{type, data: Uint8Array}]). */
  async function serializeTip(tip) {
    var head = encoder.encode(MAGIC + canonicalJson(await manifest(tip)) + "\n");
    var attachments = tip.attachments || [];
    var total = head.length;
    attachments.forEach(function (a) { total += a.data.length; });
    var out = new Uint8Array(total);
    out.set(head, 0);
    var offset = head.length;
    attachments.forEach(function (a) {
      out.set(a.data, offset);
      offset += a.data.length;
    });
    return out;
  }

  /** Length as Python's len() counts it (code points), for the text limits. */
  function codePoints(s) {
    return Array.from(s).length;
  }

  /**
   * Campaign code from a poster URL, like envelope.normalize_campaign:
   * trimmed, upper-cased, checked against the baked pattern; "" if invalid.
   */
  function normalizeCampaign(code, pattern, maxLength) {
    var c = String(code || "").trim().toUpperCase();
    if (!c || c.length > maxLength || !new RegExp(pattern).test(c)) return "";
    return c;
  }

  /** A fresh Idempotency-Key: 24 random bytes as 32 base64url characters. */
  function newIdempotencyKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(24));
    var s = btoa(String.fromCharCode.apply(null, bytes));
    return s.replace(/\+/g, "-").replace(/\//g, "_");
  }

  /**
   * The page's words: `texts` is the `text` table baked into vigie-form-config
   * (i18n/<lang>.toml [form], by hooks/form_page.py). Returns t(key, values),
   * which fills the {placeholders}. One formatter for form.js, followup.js and
   * suivi.js, so no script carries words of its own.
   */
  function translator(texts) {
    var table = texts || {};
    return function t(key, values) {
      return String(table[key] || key).replace(/\{([a-z_]+)\}/g, function (all, name) {
        return values && name in values ? String(values[name]) : all;
      });
    };
  }

  // ------------------------------------------------------------ bundles
  // The age bundle (~23 KB gzip) and the follow-up phrase bundle (its 2,048
  // words) are not <script> tags of the page: evaluated before
  // DOMContentLoaded they would hold the main thread while the page is not yet
  // usable, and most reports never need the phrase. hooks/form_page.py bakes
  // each one's URL and Subresource Integrity into vigie-form-config
  // (`bundles`); the element below carries that integrity, so a tampered copy
  // is refused exactly as a tagged script would be (and `script-src 'self'`
  // allows it: a same-origin file, nothing inline, nothing evaluated from text).
  var GLOBALS = { age: "vigieAge", phrase: "vigiePhrase" };
  var loading = {};

  /**
   * Promise of the bundle `name`'s global (window.vigieAge...), loading it
   * once. A failed load (network, integrity) rejects and is forgotten, so a
   * later call tries again; callers fall back to their no-encryption path.
   */
  function bundle(bundles, name) {
    if (window[GLOBALS[name]]) return Promise.resolve(window[GLOBALS[name]]);
    if (loading[name]) return loading[name];
    var spec = bundles && bundles[name];
    var promise = new Promise(function (resolve, reject) {
      if (!spec || !GLOBALS[name]) {
        reject(new Error("no bundle " + name));
        return;
      }
      var script = document.createElement("script");
      script.src = spec.src;
      script.integrity = spec.integrity;
      script.onload = function () {
        if (window[GLOBALS[name]]) resolve(window[GLOBALS[name]]);
        else reject(new Error("bundle " + name + " did not load"));
      };
      script.onerror = function () {
        script.remove();
        reject(new Error("bundle " + name + " did not load"));
      };
      document.head.appendChild(script);
    });
    loading[name] = promise;
    promise.catch(function () { delete loading[name]; });
    return promise;
  }

  /**
   * Download (never evaluate) the bundles `names` once the page is loaded and
   * the main thread idle: a <link rel="preload"> with the same integrity,
   * which the later bundle() reuses. Evaluation waits for a person to use the
   * page (bundle() at the first interaction, or at Send), so it never lands
   * in the page's start-up, measured or not.
   */
  function prefetch(bundles, names) {
    function start() {
      names.forEach(function (name) {
        var spec = bundles && bundles[name];
        if (!spec || window[GLOBALS[name]] || loading[name]) return;
        var link = document.createElement("link");
        link.rel = "preload";
        link.as = "script";
        link.href = spec.src;
        link.integrity = spec.integrity;
        document.head.appendChild(link);
      });
    }
    function later() {
      if (window.requestIdleCallback) window.requestIdleCallback(start, { timeout: 2000 });
      else setTimeout(start, 200);
    }
    if (document.readyState === "complete") later();
    else window.addEventListener("load", later, { once: true });
  }

  window.vigieTip = {
    bundle: bundle,
    prefetch: prefetch,
    translator: translator,
    canonicalJson: canonicalJson,
    serializeTip: serializeTip,
    codePoints: codePoints,
    normalizeCampaign: normalizeCampaign,
    newIdempotencyKey: newIdempotencyKey,
  };
})();
