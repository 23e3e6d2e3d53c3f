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

  window.vigieTip = {
    translator: translator,
    canonicalJson: canonicalJson,
    serializeTip: serializeTip,
    codePoints: codePoints,
    normalizeCampaign: normalizeCampaign,
    newIdempotencyKey: newIdempotencyKey,
  };
})();
