// Rebuilds site/assets/form/age.js and phrase.js reproducibly: same lockfile +
// same flags = same bytes (checked by tests/test_form_page.py). Run via build.sh.
// Usage: node build.mjs [AGE_OUTFILE [PHRASE_OUTFILE]] (phrase.js defaults to
// the directory of age.js).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const stub = path.join(here, "stub.js");
// Modules replaced by stub.js (see its comment).
const STUBBED = new Set([
  "@noble/post-quantum/hybrid.js",
  "@noble/curves/nist.js",
  "@noble/hashes/scrypt.js",
]);

const slim = {
  name: "vigie-slim",
  setup(b) {
    b.onResolve({ filter: /^@noble\// }, (args) =>
      STUBBED.has(args.path) ? { path: stub } : undefined,
    );
  },
};

const out = process.argv[2] ?? path.join(here, "..", "..", "site", "assets", "form", "age.js");
const phraseOut = process.argv[3] ?? path.join(path.dirname(out), "phrase.js");
const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  // ASCII output (non-ASCII escaped, e.g. the French word list): the bundle then
  // reads the same whatever charset a host or CDN declares for .js files.
  charset: "ascii",
  sourcemap: false,
  logLevel: "warning",
  plugins: [slim],
};
await build({
  ...common,
  entryPoints: [path.join(here, "entry.js")],
  outfile: out,
  globalName: "vigieAge",
  // One short licence line instead of esbuild's scattered legal comments.
  banner: {
    js: "/*! age-encryption (BSD-3-Clause, Filippo Valsorda) with @noble/* and @scure/base (MIT, Paul Miller). Rebuild: tools/bundle/build.sh */",
  },
});
await build({
  ...common,
  entryPoints: [path.join(here, "entry-phrase.js")],
  outfile: phraseOut,
  globalName: "vigiePhrase",
  banner: {
    js: "/*! @scure/bip39 with its French word list, @noble/hashes (MIT, Paul Miller). Needs age.js. Rebuild: tools/bundle/build.sh */",
  },
});
