#!/bin/sh
# nc-oauth-lab image build: build an app checkout's JavaScript as its release workflow does
# (npm ci, npm run build), then drop node_modules. A checkout without package.json is left as it is.
#   build-js.sh DIR
set -eu

dir=${1:?usage: build-js.sh DIR}
if [ ! -f "$dir/package.json" ]; then
  echo "nc-oauth-lab: $dir has no package.json: no JavaScript to build"
  exit 0
fi
cd "$dir"
export CYPRESS_INSTALL_BINARY=0 PUPPETEER_SKIP_DOWNLOAD=true
npm ci --no-audit --no-fund
npm run build
rm -rf node_modules
