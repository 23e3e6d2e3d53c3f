// Vigie's follow-up phrase bundle (site/assets/form/phrase.js): the 12 words of
// a seed and back (BIP39, French list), typed-word completion, and derive(),
// which adds the keys from age.js (window.vigieAge.followupKeys). Split from
// age.js so the report form's common path (no follow-up) never fetches or
// evaluates the 2,048-word list: the pages load it (tip.js `bundle`) only when
// the follow-up box is ticked or on /suivi/, and always after age.js.
import { entropyToMnemonic, mnemonicToEntropy } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/french.js";

// The twin of vigie/followup.py's phrase half (its docstring says why each
// piece is there); tests/vectors/followup.json pins both, byte for byte.
const SEED_BYTES = 16;
const WORDS = 12;
const PREFIX_LETTERS = 4;

/** Lower case, accents removed: how a typed word is compared to the list. */
export function fold(text) {
  return String(text).toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
}

// Built on first use, not when the bundle is evaluated (2,048 normalisations).
let byPrefix = null;
function lookup(prefix) {
  if (byPrefix === null) {
    byPrefix = new Map(wordlist.map((w) => [fold(w).slice(0, PREFIX_LETTERS), w]));
  }
  return byPrefix.get(prefix);
}

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
    const word = token.length >= PREFIX_LETTERS ? lookup(token.slice(0, PREFIX_LETTERS)) : undefined;
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
  const word = t.length >= PREFIX_LETTERS ? lookup(t.slice(0, PREFIX_LETTERS)) : undefined;
  return word !== undefined && fold(word).startsWith(t) ? word.normalize("NFC") : "";
}

/**
 * Every follow-up value of one seed: {phrase, identity, recipient, mailbox,
 * proof}. The keys come from age.js, which must be loaded first.
 */
export async function derive(seed) {
  const age = globalThis.vigieAge;
  if (!age || typeof age.followupKeys !== "function") {
    throw new Error("age.js must be loaded before phrase.js derives keys");
  }
  const keys = await age.followupKeys(seed);
  return { phrase: phraseFor(seed), ...keys };
}
