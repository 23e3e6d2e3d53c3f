// Vigie's browser bundle: age-encryption for X25519 only (encrypting a tip to
// the analysts' keys, decrypting a follow-up question with the reporter's
// derived identity), and the follow-up phrase (BIP39 French list + HKDF).
// build.mjs replaces the post-quantum, P-256 and scrypt modules with stubs that
// throw, so a recipient type Vigie never uses cannot silently ship ~30 KB.
import { Decrypter, Encrypter, identityToRecipient } from "age-encryption";
import { entropyToMnemonic, mnemonicToEntropy } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/french.js";
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
// The twin of vigie/followup.py (its docstring says why each piece is there);
// tests/vectors/followup.json pins both, byte for byte.
const SEED_BYTES = 16;
const WORDS = 12;
const PREFIX_LETTERS = 4;
const enc = new TextEncoder();
const SALT = enc.encode("vigie/followup/v1");
const LABELS = {
  identity: enc.encode("age-identity"),
  mailbox: enc.encode("mailbox"),
  proof: enc.encode("thread-proof"),
};

/** Lower case, accents removed: how a typed word is compared to the list. */
export function fold(text) {
  return String(text).toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
}

const BY_PREFIX = new Map(wordlist.map((w) => [fold(w).slice(0, PREFIX_LETTERS), w]));

// Messages are English and for developers: the pages show their own French
// text for each `code` (UI strings stay in the page scripts).
export class PhraseError extends Error {
  constructor(code, position, message) {
    super(message);
    this.code = code; // "count" | "word" | "checksum"
    this.position = position; // 1-based word number, 0 when not about one word
  }
}

/** 16 fresh random bytes (WebCrypto). */
export function newSeed() {
  return crypto.getRandomValues(new Uint8Array(SEED_BYTES));
}

/** The 12 words of a seed (NFC, as people read them), single spaces. */
export function phraseFor(seed) {
  return entropyToMnemonic(seed, wordlist).normalize("NFC");
}

/**
 * The seed of a typed phrase; tolerant of case, accents, extra spaces and of
 * words cut after their first four letters. Throws PhraseError (checksum
 * included) before anything is derived or sent.
 */
export function seedFromPhrase(text) {
  const typed = fold(text).split(/\s+/).filter(Boolean);
  if (typed.length !== WORDS) {
    throw new PhraseError("count", 0, "expected " + WORDS + " words, got " + typed.length);
  }
  const words = typed.map((token, i) => {
    const word = token.length >= PREFIX_LETTERS ? BY_PREFIX.get(token.slice(0, PREFIX_LETTERS)) : undefined;
    if (word === undefined || !fold(word).startsWith(token)) {
      throw new PhraseError("word", i + 1, "word " + (i + 1) + " is not in the list");
    }
    return word;
  });
  try {
    return mnemonicToEntropy(words.join(" "), wordlist);
  } catch (e) {
    throw new PhraseError("checksum", 0, "bad checksum");
  }
}

/** The list word a typed prefix completes to, or "" (for the page's hints). */
export function complete(token) {
  const t = fold(token);
  const word = t.length >= PREFIX_LETTERS ? BY_PREFIX.get(t.slice(0, PREFIX_LETTERS)) : undefined;
  return word !== undefined && fold(word).startsWith(t) ? word.normalize("NFC") : "";
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every follow-up value of one seed: {phrase, identity, recipient, mailbox, proof}. */
export async function derive(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new Error("the follow-up seed is 16 bytes");
  }
  const out = (label) => hkdf(sha256, seed, SALT, label, 32);
  const identity = bech32.encode("age-secret-key-", bech32.toWords(out(LABELS.identity)), false)
    .toUpperCase();
  return {
    phrase: phraseFor(seed),
    identity,
    recipient: await identityToRecipient(identity),
    mailbox: hex(out(LABELS.mailbox)),
    proof: hex(out(LABELS.proof)),
  };
}
