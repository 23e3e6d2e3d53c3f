// Vigie's browser bundle: age-encryption, used only to encrypt to X25519
// recipients (the analysts' keys baked into /signaler/ at build time).
// build.mjs replaces the post-quantum, P-256 and scrypt modules with stubs that
// throw, so a recipient type Vigie never uses cannot silently ship ~30 KB.
import { Encrypter } from "age-encryption";

/**
 * Encrypt `data` (Uint8Array) to every `age1...` X25519 recipient.
 * Returns the binary age v1 file as a Uint8Array.
 */
export async function encrypt(data, recipients) {
  const e = new Encrypter();
  for (const r of recipients) {
    if (typeof r !== "string" || !/^age1[02-9ac-hj-np-z]{58}$/.test(r)) {
      throw new Error("only X25519 age recipients are supported");
    }
    e.addRecipient(r);
  }
  return await e.encrypt(data);
}
