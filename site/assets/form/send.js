/*
 * Vigie: talking to the intake (proof-of-work challenge, POST /tips, retries).
 *
 * - The Idempotency-Key is random, made in the page; the intake derives the
 *   stored object's name from it, so sending the same key and body again can
 *   never store the tip twice. That is what makes automatic retries safe.
 * - The ALTCHA v2 (scrypt) challenge is bound to that key (sent in a header,
 *   never in a URL); it is fetched as soon as the page loads and searched in a
 *   Web Worker while the person types: the best proof found is sent (its
 *   effort class is recorded with the tip). Before it expires a new challenge
 *   is searched in the background, the old proof staying usable meanwhile.
 * - 429 pow_harder (a flood raised the difficulty): the same key and body
 *   again with a proof of the bits asked, as soon as the worker has one.
 * - Network error or 5xx: same key, same encrypted body, after 1, 2, 4, 8, 15
 *   then 30 s (Retry-After honoured up to 60 s). 403 (proof-of-work expired or
 *   refused): a NEW key and a new challenge, once.
 * Requests carry no cookie and no referrer.
 *
 * The follow-up page reads a thread the same way (Session.readReplies).
 *
 * Exposed as window.vigieSend = {Session, SendError}.
 */
(function () {
  "use strict";

  var DELAYS = [1, 2, 4, 8, 15, 30];
  // 429: a gateway throttling a burst (e.g. after a poster campaign) asks to wait, not to give up.
  var RETRYABLE = [429, 500, 502, 503, 504];
  // Challenges expire on the intake after [intake] pow_expires_seconds (baked into
  // the page as challengeMaxAgeMs, 80 % of it); 8 minutes if the page predates it.
  var DEFAULT_CHALLENGE_MAX_AGE_MS = 8 * 60 * 1000;
  var FETCH_OPTIONS = { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" };

  // A tip with photos weighs a megabyte or more, 10 to 20 s on slow 4G: the
  // person must see it move, not a greyed button. fetch() reports no upload
  // progress, so such bodies go by XMLHttpRequest (same headers, no
  // credentials, the page's no-referrer policy); small ones keep fetch.
  var PROGRESS_FROM_BYTES = 64 * 1024;

  function postWithProgress(url, headers, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.withCredentials = false;
      xhr.responseType = "arraybuffer";
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      };
      xhr.onload = function () {
        if (xhr.status < 200 || xhr.status > 599) { reject(new Error("status " + xhr.status)); return; }
        var received = new Headers();
        xhr.getAllResponseHeaders().trim().split(/[\r\n]+/).forEach(function (line) {
          var colon = line.indexOf(":");
          if (colon > 0) received.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        });
        resolve(new Response(xhr.response, { status: xhr.status, headers: received }));
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () { reject(new Error("network")); };
      xhr.send(body);
    });
  }

  function SendError(kind, message) {
    this.kind = kind; // "rejected" (4xx, message from the intake) or "unreachable"
    this.message = message || "";
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function Session(cfg, onStatus) {
    this.cfg = cfg;
    this.onStatus = onStatus || function () {};
    this.key = window.vigieTip.newIdempotencyKey();
    this.pow = null; // the current search: {key, started, best, worker, ...}
    this.previous = null; // the search it replaced before expiry, until it has a proof
    this.warm();
  }

  function maxAge(cfg) {
    return cfg.challengeMaxAgeMs || DEFAULT_CHALLENGE_MAX_AGE_MS;
  }

  /**
   * Keep a search running for the current key (idempotent). A search older than
   * 80 % of the challenge's lifetime is replaced in the background by a new
   * challenge for the same key; the old one's proof stays usable meanwhile, so
   * a person who typed for a long time never waits at Send.
   */
  Session.prototype.warm = function () {
    var pow = this.pow;
    var fresh = pow && pow.key === this.key && !pow.failed && !pow.stale &&
      Date.now() - pow.started < maxAge(this.cfg);
    if (fresh) return pow.first;
    this.stop(this.previous);
    this.previous = null;
    if (pow && pow.key === this.key && !pow.failed && pow.best) this.previous = pow;
    else this.stop(pow);
    var entry = { key: this.key, started: Date.now(), failed: false, best: null, waiters: [] };
    this.done = false;
    var self = this;
    entry.first = new Promise(function (resolve, reject) {
      entry.resolveFirst = resolve;
      entry.rejectFirst = reject;
    });
    entry.first.catch(function () {}); // failures surface when sending
    this.pow = entry;
    // In the background, not at Send: when this search reaches 80 % of the
    // challenge's lifetime, a new challenge is solved for the same key while the
    // old proof stays usable, so a person who typed for 9 minutes (or 20) never
    // waits at Send. Once a tip is stored (`done`), nothing more is searched.
    setTimeout(function () {
      if (self.pow === entry && !self.done) self.warm();
    }, maxAge(this.cfg));
    this.search(entry).catch(function (e) {
      entry.failed = true; // the next warm() starts over
      entry.rejectFirst(e);
      entry.waiters.forEach(function (w) { w.reject(e); });
      entry.waiters = [];
      if (self.pow === entry && self.previous) self.pow = self.previous;
    });
    return entry.first;
  };

  Session.prototype.stop = function (entry) {
    if (entry && entry.worker) entry.worker.terminate();
    if (entry) entry.worker = null;
  };

  Session.prototype.search = async function (entry) {
    // The key in a header, never in the URL (URLs end up in logs).
    var res = await fetch(this.cfg.intake + "/challenge", Object.assign({
      headers: { "Idempotency-Key": entry.key },
    }, FETCH_OPTIONS));
    if (!res.ok) throw new SendError("unreachable", "challenge " + res.status);
    var challenge = await res.json();
    var self = this;
    await new Promise(function (resolve, reject) {
      var worker = new Worker(self.cfg.worker);
      entry.worker = worker;
      worker.onmessage = function (event) {
        var d = event.data || {};
        if (d.payload) {
          entry.best = { zeros: d.zeros, payload: d.payload };
          self.engine = d.engine; // "wasm" or "js" (no WebAssembly): for tests
          entry.resolveFirst(d.payload);
          if (self.previous && self.pow === entry) {
            self.stop(self.previous); // the replacement has a proof: drop the old one
            self.previous = null;
          }
          entry.waiters = entry.waiters.filter(function (w) {
            if (d.zeros < w.bits) return true;
            w.resolve(d.payload);
            return false;
          });
        } else if (d.done) {
          entry.exhausted = true; // its budget of runs is spent: it finds nothing more
          self.stop(entry);
          entry.waiters.forEach(function (w) { w.reject(new SendError("unreachable", "pow")); });
          entry.waiters = [];
          resolve();
        } else {
          reject(new Error(d.error || "worker"));
        }
      };
      worker.onerror = function () { reject(new Error("worker failed")); };
      var stopBits = self.cfg.powStopBits || 11;
      worker.postMessage({ challenge: challenge, stopBits: stopBits, maxRuns: Math.pow(2, stopBits + 2) });
    });
    if (!entry.best) throw new Error("no proof found");
  };

  /** The best proof so far with at least `bits` zero bits (waits for one). */
  Session.prototype.proof = function (bits) {
    this.warm();
    var pow = this.pow;
    var candidates = [pow, this.previous].filter(function (e) {
      return e && e.best && e.best.zeros >= bits;
    });
    if (candidates.length) {
      candidates.sort(function (a, b) { return b.best.zeros - a.best.zeros; });
      return Promise.resolve(candidates[0].best.payload);
    }
    if (pow.exhausted) {
      // A finished search short of `bits` (the intake asked more, and this one
      // spent its runs below it, about 2 % of searches): nothing would ever
      // answer a waiter on it. Search again for the same key; its best proof
      // stays usable meanwhile (`previous`).
      pow.stale = true;
      this.warm();
      pow = this.pow;
    }
    if (pow.failed) return pow.first;
    return new Promise(function (resolve, reject) {
      pow.waiters.push({ bits: bits, resolve: resolve, reject: reject });
    });
  };

  /**
   * A tip is stored: its key is spent. The next one (another answer on /suivi/)
   * gets a new key, or the intake would take it for a replay of this one and
   * store nothing; its search starts only when it is asked for (`warm`), and
   * the background re-solve stops (`done`).
   */
  Session.prototype.finish = function () {
    this.stop(this.pow);
    this.stop(this.previous);
    this.pow = null;
    this.previous = null;
    this.key = window.vigieTip.newIdempotencyKey();
    this.done = true;
  };

  /** A fresh key (and challenge): only when nothing was sent with the old one. */
  Session.prototype.renew = function () {
    this.key = window.vigieTip.newIdempotencyKey();
    this.stop(this.previous);
    this.previous = null;
    return this.warm();
  };

  async function errorMessage(res) {
    try {
      var data = await res.json();
      if (data && typeof data.message === "string") return data.message;
    } catch (e) { /* not JSON */ }
    return "";
  }

  function retryAfter(res, fallback) {
    var value = res && parseInt(res.headers.get("Retry-After") || "", 10);
    return value > 0 ? Math.min(Math.max(value, fallback), 60) : fallback;
  }

  /**
   * After a request that did not succeed (`res` null: no answer at all): one
   * fresh challenge after a 403 ("renewed"), a wait before a retryable answer
   * or no answer ("waited"), else the refusal as a SendError. The one retry
   * policy of a tip and of a thread read; `state` = {renewed, failures}.
   */
  Session.prototype.recover = async function (res, state) {
    if (res && res.status === 403 && !state.renewed) {
      state.renewed = true;
      this.onStatus("renewing");
      this.renew();
      return "renewed";
    }
    if (res === null || RETRYABLE.indexOf(res.status) >= 0) {
      if (state.failures >= DELAYS.length) throw new SendError("unreachable");
      var seconds = retryAfter(res, DELAYS[state.failures]);
      state.failures += 1;
      // Announced once per wait, not every second: the status region is
      // read aloud by screen readers.
      this.onStatus("waiting", seconds, state.failures, DELAYS.length);
      await sleep(seconds * 1000);
      return "waited";
    }
    throw new SendError("rejected", await errorMessage(res));
  };

  /**
   * POST the encrypted body; resolves to the intake's {receipt, received}.
   * `attempt` = {key, body}; its key may be replaced once after a 403.
   */
  Session.prototype.send = async function (attempt) {
    var state = { renewed: false, failures: 0 };
    var bits = 0;
    var harder = 0;
    for (;;) {
      var res = null;
      try {
        this.onStatus(bits ? "harder" : "checking");
        // Pinned for this attempt: a retry after a lost answer sends the very same
        // proof, so the stored object's name (with its effort class) is the same.
        attempt.payload = attempt.payload || await this.proof(bits);
        var payload = attempt.payload;
        this.onStatus("sending");
        var headers = {
          "Content-Type": "application/octet-stream",
          "Idempotency-Key": attempt.key,
          "X-Altcha": payload,
          // The page's language, so a refusal's message comes back in it (our
          // own header: the browser's own language list is never sent along).
          "X-Vigie-Lang": this.cfg.lang || "fr",
        };
        if (attempt.body.length >= PROGRESS_FROM_BYTES) {
          var self = this;
          var shown = -1;
          res = await postWithProgress(this.cfg.intake + "/tips", headers, attempt.body,
            function (loaded, total) {
              // In steps of 10 %: the status region is read aloud by screen readers.
              var percent = Math.floor((100 * loaded) / total / 10) * 10;
              if (percent !== shown) {
                shown = percent;
                self.onStatus("uploading", percent, total);
              }
            });
        } else {
          res = await fetch(this.cfg.intake + "/tips", Object.assign({
            method: "POST",
            headers: headers,
            body: attempt.body,
          }, FETCH_OPTIONS));
        }
      } catch (e) {
        res = null; // network down, server stopped, challenge unavailable
      }
      if (res && (res.status === 201 || res.status === 200)) {
        this.finish();
        return await res.json();
      }
      if (res && res.status === 429 && harder < 12) {
        // Many tips arriving: the intake asks a proof with more zero bits for the
        // same key; the worker kept searching, so it is often already there.
        var data = null;
        try { data = await res.clone().json(); } catch (e) { data = null; }
        if (data && data.error === "pow_harder" && data.bits > bits) {
          harder += 1;
          bits = data.bits;
          attempt.payload = null;
          continue;
        }
        if (data && data.error === "network_cap") {
          // Minutes, not seconds: say so (the tip stays in the form for a resend).
          throw new SendError("rejected", data.message);
        }
      }
      if ((await this.recover(res, state)) === "renewed") {
        attempt.key = this.key;
        attempt.payload = null;
      }
    }
  };

  /**
   * POST /replies {mailbox} (in the body, never the URL) behind the same
   * proof-of-work; resolves to the intake's fixed-size {replies: [base64...]}.
   * Same retries as a tip. Afterwards the key is renewed: the next request
   * (an answer, another read) shares nothing with this one.
   */
  Session.prototype.readReplies = async function (mailbox) {
    var state = { renewed: false, failures: 0 };
    for (;;) {
      var res = null;
      try {
        this.onStatus("checking");
        var payload = await this.proof(0);
        res = await fetch(this.cfg.intake + "/replies", Object.assign({
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "Idempotency-Key": this.key,
            "X-Altcha": payload,
          },
          body: JSON.stringify({ mailbox: mailbox }),
        }, FETCH_OPTIONS));
      } catch (e) {
        res = null;
      }
      if (res && res.status === 200) {
        var answer = await res.json();
        this.renew();
        return answer;
      }
      await this.recover(res, state);
    }
  };

  window.vigieSend = { Session: Session, SendError: SendError };
})();
