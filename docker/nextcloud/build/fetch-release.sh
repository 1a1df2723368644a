#!/bin/sh
# nc-oauth-lab image build: download an app's release tarball (what the app store serves) and unpack it
# to OUT/APP, checking that the tarball holds that app at that version.
#   fetch-release.sh APP VERSION URL OUT
# An empty URL means the upstream release (facts page, "Release tarballs"):
#   oidc       https://github.com/H2CK/oidc/releases/download/X.Y.Z/oidc-X.Y.Z.tar.gz
#   user_oidc  https://github.com/nextcloud-releases/user_oidc/releases/download/vX.Y.Z/user_oidc-vX.Y.Z.tar.gz
set -eu

app=${1:?usage: fetch-release.sh APP VERSION URL OUT}
version=${2:?usage: fetch-release.sh APP VERSION URL OUT}
url=${3-}
out=${4:?usage: fetch-release.sh APP VERSION URL OUT}
here=$(dirname "$0")

case $version in
  *[!0-9A-Za-z.-]* | '' | .* | -*)
    echo "nc-oauth-lab: '$version' is not a release version of $app (expected X.Y.Z)" >&2
    exit 1
    ;;
esac
version=${version#v}

if [ -z "$url" ]; then
  case $app in
    oidc) url="https://github.com/H2CK/oidc/releases/download/${version}/oidc-${version}.tar.gz" ;;
    user_oidc) url="https://github.com/nextcloud-releases/user_oidc/releases/download/v${version}/user_oidc-v${version}.tar.gz" ;;
    *)
      echo "nc-oauth-lab: no release URL known for app '$app'; pass one" >&2
      exit 1
      ;;
  esac
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "nc-oauth-lab: downloading $app $version from $url"
if ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/app.tar.gz" "$url"; then
  echo "nc-oauth-lab: could not download $app $version from $url (is $version a release of $app?)" >&2
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
