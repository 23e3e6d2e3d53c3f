// Vigie's proof-of-work worker (built into site/assets/form/pow-worker.js by
// build-pow.mjs): ALTCHA v2 challenges with scrypt, solved in a Web Worker.
//
// Message in:  {challenge, stopBits, maxRuns}  (challenge: the intake's JSON)
// Messages out: {zeros, payload, engine} each time a better proof is found
//               (payload = the X-Altcha header value), then {done, best}.
// The search does not stop at the first proof: it keeps going while the person
// types (up to `stopBits` leading zero bits or `maxRuns` scrypt runs), and the
// page sends the best proof found; the intake records its effort class.
// scrypt runs in WebAssembly (hash-wasm); where WebAssembly is disabled (Tor
// Browser "Safer") the same scrypt runs in plain JavaScript (@noble/hashes),
// slower but identical bytes.
import { scrypt as wasmScrypt } from "hash-wasm";
import { scrypt as jsScrypt } from "@noble/hashes/scrypt.js";

let engine = typeof WebAssembly === "object" ? "wasm" : "js";

async function derive(p, password, salt) {
  const r = p.memoryCost || 8;
  const par = p.parallelism || 1;
  const dkLen = p.keyLength || 32;
  if (engine === "wasm") {
    try {
      return await wasmScrypt({
        password, salt, costFactor: p.cost, blockSize: r, parallelism: par,
        hashLength: dkLen, outputType: "binary",
      });
    } catch (e) {
      engine = "js"; // WebAssembly present but refused (CSP, policy): fall back
    }
  }
  return jsScrypt(password, salt, { N: p.cost, r, p: par, dkLen });
}

function zeros(bytes) {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) { n += 8; continue; }
    return n + Math.clz32(bytes[i]) - 24;
  }
  return n;
}

function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

function toHex(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

self.onmessage = async (event) => {
  const { challenge, stopBits, maxRuns } = event.data;
  try {
    const p = challenge.parameters;
    if (p.algorithm !== "SCRYPT") throw new Error("unsupported algorithm " + p.algorithm);
    const need = (p.data && p.data.b) || 0;
    const nonce = fromHex(p.nonce);
    const salt = fromHex(p.salt);
    const password = new Uint8Array(nonce.length + 4);
    password.set(nonce);
    const view = new DataView(password.buffer);
    let best = -1;
    for (let counter = 0; counter < maxRuns && counter <= 0xffffffff; counter++) {
      view.setUint32(nonce.length, counter, false); // ALTCHA v2 "uint32" counter mode
      const key = await derive(p, password, salt);
      const z = zeros(key);
      if (z >= need && z > best) {
        best = z;
        const solution = { counter, derivedKey: toHex(key) };
        const payload = btoa(JSON.stringify({ challenge, solution }));
        self.postMessage({ zeros: z, payload, engine });
        if (z >= stopBits) break;
      }
      if (engine === "js" && counter % 4 === 3) await pause(); // stay responsive
    }
    self.postMessage({ done: true, best });
  } catch (e) {
    self.postMessage({ error: String(e && e.message ? e.message : e) });
  }
};
