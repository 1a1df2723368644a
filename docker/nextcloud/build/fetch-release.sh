#!/bin/sh
# nc-oauth-lab image build: download an app's release tarball (what the app store serves) and unpack it
# to OUT/APP, checking that the tarball holds that app at that version.
#   fetch-release.sh APP VERSION URL OUT [MIRROR]
# An empty URL means MIRROR/<file name> when a mirror (a base URL) is given, else the upstream release
# (facts page, "Release tarballs"; docker/app-releases.ts):
#   oidc       https://github.com/H2CK/oidc/releases/download/X.Y.Z/oidc-X.Y.Z.tar.gz
#   user_oidc, notes, deck, tables, calendar, contacts
#              https://github.com/nextcloud-releases/APP/releases/download/vX.Y.Z/APP-vX.Y.Z.tar.gz
set -eu

usage='usage: fetch-release.sh APP VERSION URL OUT [MIRROR]'
app=${1:?$usage}
version=${2:?$usage}
url=${3-}
out=${4:?$usage}
mirror=${5-}
here=$(dirname "$0")

case $version in
  *[!0-9A-Za-z.-]* | '' | .* | -*)
    echo "nc-oauth-lab: '$version' is not a release version of $app (expected X.Y.Z)" >&2
    exit 1
    ;;
esac
version=${version#v}

case $app in
  oidc)
    file="oidc-${version}.tar.gz"
    upstream="https://github.com/H2CK/oidc/releases/download/${version}/${file}"
    ;;
  user_oidc | notes | deck | tables | calendar | contacts)
    file="${app}-v${version}.tar.gz"
    upstream="https://github.com/nextcloud-releases/${app}/releases/download/v${version}/${file}"
    ;;
  *)
    file=
    upstream=
    ;;
esac
if [ -z "$url" ]; then
  if [ -z "$file" ]; then
    echo "nc-oauth-lab: no release URL known for app '$app'; pass one" >&2
    exit 1
  fi
  if [ -n "$mirror" ]; then url="${mirror%/}/${file}"; else url=$upstream; fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "nc-oauth-lab: downloading $app $version from $url"
# curl's own message (a host that does not resolve, a 404) is the cause the build error shows.
if ! error=$(curl -fsSL --retry 2 --retry-delay 2 --connect-timeout 20 -o "$tmp/app.tar.gz" "$url" 2>&1); then
  echo "nc-oauth-lab: download of $app $version from $url failed: $(printf '%s' "$error" | tail -n 1)" >&2
  exit 1
fi
mkdir -p "$tmp/unpacked"
if ! tar -xzf "$tmp/app.tar.gz" -C "$tmp/unpacked"; then
  echo "nc-oauth-lab: $url is not a gzipped tarball" >&2
  exit 1
fi
if [ ! -f "$tmp/unpacked/$app/appinfo/info.xml" ]; then
  echo "nc-oauth-lab: $url does not hold the app $app ($app/appinfo/info.xml is missing)" >&2
  exit 1
fi
actual=$("$here/app-version.sh" "$tmp/unpacked/$app")
if [ "$actual" != "$version" ]; then
  echo "nc-oauth-lab: $url holds $app $actual, not $version" >&2
  exit 1
fi
mkdir -p "$out"
rm -rf "${out:?}/$app"
mv "$tmp/unpacked/$app" "$out/$app"
echo "nc-oauth-lab: $app $actual unpacked to $out/$app"
