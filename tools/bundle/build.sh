#!/bin/sh
# Rebuild Vigie's committed browser bundles reproducibly: exact versions from
# package-lock.json (`npm ci`), then esbuild with the fixed flags in build.mjs
# (site/assets/form/age.js and phrase.js) and build-pow.mjs (site/assets/form/pow-worker.js).
# Usage: tools/bundle/build.sh [AGE_OUTFILE [POW_OUTFILE]]
set -eu
cd "$(dirname "$0")"
# Install scripts are not needed: esbuild runs from its platform package.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
out="${1:-../../site/assets/form/age.js}"
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
node build.mjs "$out"
pow="${2:-../../site/assets/form/pow-worker.js}"
case "$pow" in /*) ;; *) pow="$(pwd)/$pow" ;; esac
node build-pow.mjs "$pow"
