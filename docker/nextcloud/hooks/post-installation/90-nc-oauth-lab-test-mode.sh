#!/bin/sh
# nc-oauth-lab post-installation hook 90: in test mode only, turn brute-force and rate-limit protection off
# (facts page, "Configuration (occ)": DCR is otherwise limited to 10 registrations per 60 s, and failed
# logins slow every later one down). Never for an instance that real users reach.
#   NC_OAUTH_LAB_TEST_MODE    true|false (default: false; true in images built with
#                             NC_OAUTH_LAB_TEST_IMAGE=true)
#   OCC                       the occ command line (default: php /var/www/html/occ)
set -eu

OCC="${OCC:-php /var/www/html/occ}"
occ() {
  # shellcheck disable=SC2086 # OCC is a command line: split on purpose
  $OCC "$@"
}

case ${NC_OAUTH_LAB_TEST_MODE:-false} in
  true | 1 | yes | on) ;;
  false | 0 | no | off)
    echo "nc-oauth-lab: not a test instance: brute-force and rate-limit protection stay on"
    exit 0
    ;;
  *)
    echo "nc-oauth-lab: NC_OAUTH_LAB_TEST_MODE must be true or false, not '$NC_OAUTH_LAB_TEST_MODE'" >&2
    exit 1
    ;;
esac

echo "nc-oauth-lab: test instance: brute-force and rate-limit protection off"
occ config:system:set auth.bruteforce.protection.enabled --value=false --type=boolean
occ config:system:set ratelimit.protection.enabled --value=false --type=boolean
