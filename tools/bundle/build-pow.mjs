// Rebuilds site/assets/form/pow-worker.js reproducibly (same lockfile + same
// flags = same bytes, checked by tests/test_form_page.py). Run via build.sh.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out =
  process.argv[2] ?? path.join(here, "..", "..", "site", "assets", "form", "pow-worker.js");
await build({
  entryPoints: [path.join(here, "pow", "worker.js")],
  outfile: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  banner: {
    js: "/*! Vigie proof-of-work worker: hash-wasm (MIT, Dani Biró), @noble/hashes (MIT, Paul Miller). Rebuild: tools/bundle/build.sh */",
  },
  charset: "utf8",
  sourcemap: false,
  logLevel: "warning",
});
