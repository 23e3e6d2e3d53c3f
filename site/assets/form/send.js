/*
 * Vigie: talking to the intake (proof-of-work challenge, POST /tips, retries).
 *
 * - The Idempotency-Key is random, made in the page; the intake derives the
 *   stored object's name from it, so sending the same key and body again can
 *   never store the tip twice. That is what makes automatic retries safe.
 * - The ALTCHA challenge is bound to that key; it is fetched and solved in a
 *   Web Worker as soon as the page loads, while the person types.
 * - Network error or 5xx: same key, same encrypted body, after 1, 2, 4, 8, 15
 *   then 30 s (Retry-After honoured up to 60 s). 403 (proof-of-work expired or
 *   refused): a NEW key and a new challenge, once.
 * Requests carry no cookie and no referrer.
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
    this.pow = null;
    this.warm();
  }

  /** Start fetching and solving the challenge for the current key (idempotent). */
  Session.prototype.warm = function () {
    var pow = this.pow;
    if (pow && pow.key === this.key && !pow.failed &&
        Date.now() - pow.started < (this.cfg.challengeMaxAgeMs || DEFAULT_CHALLENGE_MAX_AGE_MS)) {
      return pow.promise;
    }
    var entry = { key: this.key, started: Date.now(), failed: false };
    entry.promise = this.solve(entry.key).catch(function (e) {
      entry.failed = true; // the next warm() starts over
      throw e;
    });
    entry.promise.catch(function () {}); // failures surface when sending
    this.pow = entry;
    return entry.promise;
  };

  Session.prototype.solve = async function (key) {
    var url = this.cfg.intake + "/challenge?key=" + encodeURIComponent(key);
    var res = await fetch(url, FETCH_OPTIONS);
    if (!res.ok) throw new SendError("unreachable", "challenge " + res.status);
    var challenge = await res.json();
    var worker = new Worker(this.cfg.worker);
    try {
      return await new Promise(function (resolve, reject) {
        worker.onmessage = function (event) {
          if (event.data && event.data.payload) resolve(event.data.payload);
          else reject(new Error((event.data && event.data.error) || "worker"));
        };
        worker.onerror = function () { reject(new Error("worker failed")); };
        worker.postMessage(challenge);
      });
    } finally {
      worker.terminate();
    }
  };

  /** A fresh key (and challenge): only when nothing was sent with the old one. */
  Session.prototype.renew = function () {
    this.key = window.vigieTip.newIdempotencyKey();
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
   * POST the encrypted body; resolves to the intake's {receipt, received}.
   * `attempt` = {key, body}; its key may be replaced once after a 403.
   */
  Session.prototype.send = async function (attempt) {
    var renewed = false;
    var failures = 0;
    for (;;) {
      var res = null;
      try {
        this.onStatus("checking");
        var payload = await this.warm();
        this.onStatus("sending");
        res = await fetch(this.cfg.intake + "/tips", Object.assign({
          method: "POST",
          headers: {
            "Content-Type": "application/octet-stream",
            "Idempotency-Key": attempt.key,
            "X-Altcha": payload,
            // The page's language, so a refusal's message comes back in it
            // (CORS-safelisted: no change to the preflight).
            "Accept-Language": this.cfg.lang || "fr",
          },
          body: attempt.body,
        }, FETCH_OPTIONS));
      } catch (e) {
        res = null; // network down, server stopped, challenge unavailable
      }
      if (res && (res.status === 201 || res.status === 200)) return await res.json();
      if (res && res.status === 403 && !renewed) {
        renewed = true;
        this.onStatus("renewing");
        this.key = window.vigieTip.newIdempotencyKey();
        attempt.key = this.key;
        continue;
      }
      if (res === null || RETRYABLE.indexOf(res.status) >= 0) {
        if (failures >= DELAYS.length) throw new SendError("unreachable");
        var seconds = retryAfter(res, DELAYS[failures]);
        failures += 1;
        // Announced once per wait, not every second: the status region is
        // read aloud by screen readers.
        this.onStatus("waiting", seconds, failures, DELAYS.length);
        await sleep(seconds * 1000);
        continue;
      }
      throw new SendError("rejected", await errorMessage(res));
    }
  };

  window.vigieSend = { Session: Session, SendError: SendError };
})();
