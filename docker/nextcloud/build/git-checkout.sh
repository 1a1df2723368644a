#!/bin/sh
# nc-oauth-lab image build: check out an app's git repository at a ref (branch, tag, commit or a pull
# request's refs/pull/N/head) into DEST, shallow, without the .git directory.
#   git-checkout.sh URL REF DEST
# An empty REF means the repository's default branch.
set -eu

url=${1:?usage: git-checkout.sh URL REF DEST}
ref=${2-}
dest=${3:?usage: git-checkout.sh URL REF DEST}

rm -rf "$dest"
mkdir -p "$dest"
git -C "$dest" init -q
git -C "$dest" remote add origin "$url"
if ! git -C "$dest" fetch -q --depth 1 origin "${ref:-HEAD}"; then
  echo "nc-oauth-lab: could not fetch ${ref:-the default branch} of $url" >&2
  exit 1
fi
git -C "$dest" -c advice.detachedHead=false checkout -q FETCH_HEAD
commit=$(git -C "$dest" rev-parse HEAD)
rm -rf "$dest/.git"
echo "nc-oauth-lab: $url ${ref:-(default branch)} at $commit checked out to $dest"
