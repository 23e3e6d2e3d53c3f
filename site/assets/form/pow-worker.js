/*
 * Vigie: anti-spam proof-of-work solver (ALTCHA v1, SHA-256), run in a Web
 * Worker so the page stays responsive while the person types.
 *
 * Message in:  {algorithm, challenge, salt, maxNumber, signature}
 * Message out: {number, payload} where payload is the X-Altcha header value
 *              (base64 of the JSON solution), or {error} when no number fits.
 * Finds n in [0, maxNumber] with hex(SHA-256(salt + n)) === challenge. Hashes
 * are computed in batches of parallel WebCrypto calls (a bare solver: the full
 * ALTCHA widget would cost ~35 KB gzip for the same result).
 */
"use strict";

var BATCH = 500;
var encoder = new TextEncoder();

function hexToBytes(hex) {
  var out = new Uint8Array(hex.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function equal(buffer, expected) {
  var a = new Uint8Array(buffer);
  if (a.length !== expected.length) return false;
  for (var i = 0; i < a.length; i++) if (a[i] !== expected[i]) return false;
  return true;
}

async function solve(c) {
  if (c.algorithm !== "SHA-256") throw new Error("unsupported algorithm " + c.algorithm);
  var target = hexToBytes(c.challenge.toLowerCase());
  for (var start = 0; start <= c.maxNumber; start += BATCH) {
    var end = Math.min(start + BATCH - 1, c.maxNumber);
    var jobs = [];
    for (var n = start; n <= end; n++) {
      jobs.push(crypto.subtle.digest("SHA-256", encoder.encode(c.salt + String(n))));
    }
    var digests = await Promise.all(jobs);
    for (var k = 0; k < digests.length; k++) {
      if (equal(digests[k], target)) return start + k;
    }
  }
  return -1;
}

self.onmessage = async function (event) {
  var c = event.data;
  try {
    var number = await solve(c);
    if (number < 0) {
      self.postMessage({ error: "no solution" });
      return;
    }
    var solution = JSON.stringify({
      algorithm: c.algorithm,
      challenge: c.challenge,
      number: number,
      salt: c.salt,
      signature: c.signature,
    });
    self.postMessage({ number: number, payload: btoa(solution) });
  } catch (e) {
    self.postMessage({ error: String(e && e.message ? e.message : e) });
  }
};
