// Stand-in for the age-encryption dependencies Vigie never uses (post-quantum
// hybrid KEMs, P-256 tags, scrypt passphrases): any use fails loudly.
function unsupported() {
  throw new Error("recipient type not included in Vigie's age bundle");
}
const handler = { get: () => unsupported };
export const MLKEM768X25519 = new Proxy({}, handler);
export const MLKEM768P256 = new Proxy({}, handler);
export const p256 = new Proxy({}, handler);
export const scrypt = unsupported;
