#!/bin/sh
# Rebuild Vigie's committed age bundle (site/assets/form/age.js) reproducibly:
# exact versions from package-lock.json (`npm ci`), then esbuild with the fixed
# flags in build.mjs. Usage: tools/bundle/build.sh [OUTFILE]
set -eu
cd "$(dirname "$0")"
# Install scripts are not needed: esbuild runs from its platform package.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
out="${1:-../../site/assets/form/age.js}"
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
node build.mjs "$out"
