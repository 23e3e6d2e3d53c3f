// Vigie's browser bundle: age-encryption for X25519 only (encrypting a tip to
// the analysts' keys, decrypting a follow-up question with the reporter's
// derived identity), and the follow-up keys of a seed (HKDF: its pieces are
// already here for age). The 12-word phrase and its BIP39 French word list are
// a separate bundle (phrase.js, entry-phrase.js), fetched only when a phrase is
// made or typed, so the form's common path never downloads or evaluates them.
// build.mjs replaces the post-quantum, P-256 and scrypt modules with stubs that
// throw, so a recipient type Vigie never uses cannot silently ship ~30 KB.
import { Decrypter, Encrypter, identityToRecipient } from "age-encryption";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bech32 } from "@scure/base";

const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;

/**
 * Encrypt `data` (Uint8Array) to every `age1...` X25519 recipient.
 * Returns the binary age v1 file as a Uint8Array.
 */
export async function encrypt(data, recipients) {
  const e = new Encrypter();
  for (const r of recipients) {
    if (typeof r !== "string" || !RECIPIENT_RE.test(r)) {
      throw new Error("only X25519 age recipients are supported");
    }
    e.addRecipient(r);
  }
  return await e.encrypt(data);
}

/** Decrypt a binary age file with one `AGE-SECRET-KEY-1...` X25519 identity. */
export async function decrypt(data, identity) {
  if (typeof identity !== "string" || !identity.startsWith("AGE-SECRET-KEY-1")) {
    throw new Error("only X25519 age identities are supported");
  }
  const d = new Decrypter();
  d.addIdentity(identity);
  return await d.decrypt(data);
}

// ------------------------------------------------------------- follow-up
// The twin of vigie/followup.py's key derivation (its docstring says why each
// piece is there); the phrase half is entry-phrase.js. tests/vectors/followup.json
// pins both, byte for byte.
const SEED_BYTES = 16;
const enc = new TextEncoder();
const SALT = enc.encode("vigie/followup/v1");
const LABELS = {
  identity: enc.encode("age-identity"),
  mailbox: enc.encode("mailbox"),
  proof: enc.encode("thread-proof"),
};

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The follow-up keys of one 16-byte seed: {identity, recipient, mailbox, proof}. */
export async function followupKeys(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new Error("the follow-up seed is 16 bytes");
  }
  const out = (label) => hkdf(sha256, seed, SALT, label, 32);
  const identity = bech32.encode("age-secret-key-", bech32.toWords(out(LABELS.identity)), false)
    .toUpperCase();
  return {
    identity,
    recipient: await identityToRecipient(identity),
    mailbox: hex(out(LABELS.mailbox)),
    proof: hex(out(LABELS.proof)),
  };
}
