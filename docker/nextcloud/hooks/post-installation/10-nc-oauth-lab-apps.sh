#!/bin/sh
# nc-oauth-lab post-installation hook 10: enable the OAuth apps (facts page, "Configuration (occ)").
# The official image runs it once after the install, as www-data (docker/README.md, "Hooks").
#   NC_OAUTH_LAB_APPS                      apps to enable (default: "oidc user_oidc")
#   NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD    true|false (default: NC_OAUTH_LAB_TEST_MODE): the first-run
#                                          wizard's modal covers the login and consent pages
#   NC_OAUTH_LAB_TEST_MODE                 true|false (default: false; true in test images)
#   OCC                                    the occ command line (default: php /var/www/html/occ)
set -eu
# Lists are split on spaces, never globbed.
set -f

OCC="${OCC:-php /var/www/html/occ}"
occ() {
  # shellcheck disable=SC2086 # OCC is a command line: split on purpose
  $OCC "$@"
}

# flag NAME VALUE: 0 for true, 1 for false, exit 1 for anything else.
flag() {
  case $2 in
    true | 1 | yes | on) return 0 ;;
    false | 0 | no | off) return 1 ;;
    *)
      echo "nc-oauth-lab: $1 must be true or false, not '$2'" >&2
      exit 1
      ;;
  esac
}

test_mode=${NC_OAUTH_LAB_TEST_MODE:-false}
flag NC_OAUTH_LAB_TEST_MODE "$test_mode" || true
apps=${NC_OAUTH_LAB_APPS:-oidc user_oidc}
disable_wizard=${NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD:-$test_mode}

echo "nc-oauth-lab: enabling $apps"
# shellcheck disable=SC2086 # a list of app ids
occ app:enable $apps

if flag NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD "$disable_wizard"; then
  echo "nc-oauth-lab: disabling firstrunwizard"
  occ app:disable firstrunwizard
fi
