// Rebuilds site/assets/form/age.js reproducibly: same lockfile + same flags =
// same bytes (checked by tests/test_form_bundle.py). Run via build.sh.
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
await build({
  entryPoints: [path.join(here, "entry.js")],
  outfile: out,
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "vigieAge",
  target: "es2020",
  legalComments: "none",
  // One short licence line instead of esbuild's scattered legal comments.
  banner: {
    js: "/*! age-encryption (BSD-3-Clause, Filippo Valsorda) with @noble/*, @scure/base and @scure/bip39 with its French word list (MIT, Paul Miller). Rebuild: tools/bundle/build.sh */",
  },
  // ASCII output (non-ASCII escaped, e.g. the French word list): the bundle then
  // reads the same whatever charset a host or CDN declares for .js files.
  charset: "ascii",
  sourcemap: false,
  logLevel: "warning",
  plugins: [slim],
});
