#!/bin/sh
# nc-oauth-lab image build: install an app checkout's PHP dependencies without the development ones
# (composer install --no-dev), as its release workflow does. A checkout without composer.json is left as
# it is.
#   build-php.sh DIR
set -eu

dir=${1:?usage: build-php.sh DIR}
if [ ! -f "$dir/composer.json" ]; then
  echo "nc-oauth-lab: $dir has no composer.json: no PHP dependencies to install"
  exit 0
fi
cd "$dir"
# The build container's PHP is not the one Nextcloud runs: extension checks belong to the runtime image.
composer install --no-dev --no-interaction --no-progress --prefer-dist --optimize-autoloader --ignore-platform-req='ext-*'
