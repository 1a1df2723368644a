#!/usr/bin/env bash
# The packed-install smoke test (issue 12): the package as users install it. `npm pack`, install the tarball
# into an empty project (its dependencies come from the npm registry), and there run the installed CLI:
# --help, patch list, and one matrix variant against the double, which must exit 0 with its matrix.json.
# Usage: .ci/smoke-installed-package.sh [work dir]   (default: a new temporary directory, removed afterwards)
# SMOKE_NODES: Node binaries to run the installed CLI with, space-separated (default: the node on PATH); each
# goes first on PATH, as a user's Node would be.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

if [ -n "${1:-}" ]; then
  work="$1"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/nc-oauth-lab-smoke.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi
step() { echo "smoke: $*"; }

step "npm pack"
tarball="$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -n 1)"
listing="$(tar -tzf "$work/$tarball")"
for shipped in package/bin/nc-oauth-lab.js package/scenarios/playwright.matrix.config.ts package/scenarios/expectations/bearer.json \
  package/scenarios/specs/bearer.spec.ts package/docker/nextcloud/Dockerfile package/docker/nextcloud/hooks/post-installation/50-nc-oauth-lab-users.sh \
  package/docker/nextcloud/build/fetch-release.sh package/patches/user-oidc-app-api.ts; do
  grep -qx "$shipped" <<<"$listing" || { echo "smoke: $tarball lacks $shipped (package.json files)" >&2; exit 1; }
done
# Playwright specs outside scenarios/specs/ are the project's own tests; the status goldens are test fixtures.
if grep -E '\.test\.ts$|^package/patches/fixtures/|^package/scenarios/status/golden/|^package/(double|harness|scenarios/matrix|scenarios/status)/.*\.spec\.ts$' <<<"$listing"; then
  echo "smoke: $tarball ships the tests or fixtures above (package.json files)" >&2
  exit 1
fi

project="$work/project"
mkdir -p "$project"
cd "$project"
echo '{ "name": "nc-oauth-lab-smoke", "private": true, "type": "module" }' >package.json
step "npm install $tarball into an empty project"
npm install --no-audit --no-fund --loglevel=error "$work/$tarball"
if [ -e node_modules/vitest ] || [ -e node_modules/eslint ]; then echo 'smoke: the install pulled in devDependencies (vitest, eslint)' >&2; exit 1; fi

for node in ${SMOKE_NODES:-node}; do
  bindir="$(dirname "$(command -v "$node")")"
  version="$(PATH="$bindir:$PATH" node --version)"
  step "Node $version: nc-oauth-lab --help"
  PATH="$bindir:$PATH" npx --no-install nc-oauth-lab --help | grep -q '^Usage: nc-oauth-lab <command>'
  step "Node $version: nc-oauth-lab patch list"
  PATH="$bindir:$PATH" npx --no-install nc-oauth-lab patch list | grep -q '^user_oidc-app-api '

  out="$work/matrix-node-$version"
  step "Node $version: nc-oauth-lab matrix --nextcloud 34 --patch none --ocs-header off --out $out (against the double)"
  code=0
  PATH="$bindir:$PATH" npx --no-install nc-oauth-lab matrix --nextcloud 34 --patch none --ocs-header off --out "$out" --workers 1 --progress dot || code=$?
  if [ "$code" -ne 0 ]; then echo "smoke: the installed matrix exited $code on Node $version, not 0" >&2; exit 1; fi
  [ -s "$out/matrix.json" ] || { echo "smoke: no $out/matrix.json" >&2; exit 1; }
done
step "passed: the installed package runs its help, patch list and a matrix variant"
