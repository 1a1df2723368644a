#!/bin/sh
# nc-oauth-lab image build: fail with a clear message when an app version is below the minimum the
# image supports (oidc >= 1.10.0: PKCE, facts page "Versions that matter").
#   require-version.sh APP VERSION MINIMUM BUILD_ARG
# Versions compare by their numeric parts (1.10.0 > 1.9.3); a pre-release suffix counts as its release.
set -eu

app=${1:?usage: require-version.sh APP VERSION MINIMUM BUILD_ARG}
version=${2:?usage: require-version.sh APP VERSION MINIMUM BUILD_ARG}
minimum=${3:?usage: require-version.sh APP VERSION MINIMUM BUILD_ARG}
arg=${4:?usage: require-version.sh APP VERSION MINIMUM BUILD_ARG}

# numeric_part "v8.11.0-dev.0" -> "8.11.0"
numeric_part() {
  printf '%s\n' "$1" | sed -n 's/^v\{0,1\}\([0-9][0-9]*\(\.[0-9][0-9]*\)*\).*/\1/p'
}

# version_ge A B: A >= B, comparing dot-separated numbers (missing parts are 0).
version_ge() {
  a=$1
  b=$2
  while [ -n "$a" ] || [ -n "$b" ]; do
    x=${a%%.*}
    y=${b%%.*}
    x=${x:-0}
    y=${y:-0}
    if [ "$x" -gt "$y" ]; then return 0; fi
    if [ "$x" -lt "$y" ]; then return 1; fi
    case $a in *.*) a=${a#*.} ;; *) a= ;; esac
    case $b in *.*) b=${b#*.} ;; *) b= ;; esac
  done
  return 0
}

have=$(numeric_part "$version")
need=$(numeric_part "$minimum")
if [ -z "$have" ]; then
  echo "nc-oauth-lab: $arg=$version is not a version (expected X.Y.Z)" >&2
  exit 1
fi
if ! version_ge "$have" "$need"; then
  echo "nc-oauth-lab: $app $version is not supported: this image needs $app >= $minimum (set $arg to $minimum or newer)" >&2
  exit 1
fi
