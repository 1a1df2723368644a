#!/bin/sh
# nc-oauth-lab image build: print the version of a Nextcloud app directory, read from its
# appinfo/info.xml (the <version> element of <info>). Exits 1 with a one-line message when there is none.
#   app-version.sh DIR
set -eu

dir=${1:?usage: app-version.sh DIR}
info="$dir/appinfo/info.xml"
if [ ! -f "$info" ]; then
  echo "nc-oauth-lab: $dir is not a Nextcloud app: no appinfo/info.xml" >&2
  exit 1
fi
# The first <version> element; dependency ranges are attributes (min-version), not elements.
version=$(sed -n 's:.*<version>[[:space:]]*\([^<[:space:]]*\)[[:space:]]*</version>.*:\1:p' "$info" | head -n 1)
if [ -z "$version" ]; then
  echo "nc-oauth-lab: $info has no <version>" >&2
  exit 1
fi
printf '%s\n' "$version"
