#!/bin/sh
# nc-oauth-lab post-installation hook 10: enable the OAuth apps and the apps the image carries (facts page,
# "Configuration (occ)"). The official image runs it once after the install, as www-data (docker/README.md,
# "Hooks").
#   NC_OAUTH_LAB_APPS                      apps to enable (default: the list in NC_OAUTH_LAB_APPS_FILE)
#   NC_OAUTH_LAB_APPS_FILE                 the image's app list, written at build time (default:
#                                          /etc/nc-oauth-lab/apps; without it "oidc user_oidc")
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
apps_file=${NC_OAUTH_LAB_APPS_FILE:-/etc/nc-oauth-lab/apps}
default_apps="oidc user_oidc"
if [ -s "$apps_file" ]; then default_apps=$(tr '\n' ' ' < "$apps_file"); fi
apps=${NC_OAUTH_LAB_APPS:-$default_apps}
# Only letters, digits and _ in app ids: a typo fails here, before anything changes.
for app in $apps; do
  case $app in
    *[!A-Za-z0-9_]*)
      echo "nc-oauth-lab: '$app' in NC_OAUTH_LAB_APPS is not an app id" >&2
      exit 1
      ;;
  esac
done
# shellcheck disable=SC2086 # a list of app ids, one space between them
apps=$(printf '%s ' $apps)
apps=${apps% }
disable_wizard=${NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD:-$test_mode}

echo "nc-oauth-lab: enabling $apps"
# shellcheck disable=SC2086 # a list of app ids
occ app:enable $apps

if flag NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD "$disable_wizard"; then
  echo "nc-oauth-lab: disabling firstrunwizard"
  occ app:disable firstrunwizard
fi
