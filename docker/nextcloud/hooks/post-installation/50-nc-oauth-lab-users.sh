#!/bin/sh
# nc-oauth-lab post-installation hook 50: test users, created with user:add --password-from-env so that
# no password appears on a command line or in a log (facts page, "Configuration (occ)").
#   NC_OAUTH_LAB_USERS        "uid:password[:group] ..." space-separated (default: none; in test mode
#                             "alice:alice-password:users bob:bob-password:users", the double's users);
#                             set it empty to create none. The admin comes from NEXTCLOUD_ADMIN_USER.
#   NC_OAUTH_LAB_TEST_MODE    true|false (default: false; true in test images)
#   OCC                       the occ command line (default: php /var/www/html/occ)
set -eu
# Lists are split on spaces, never globbed.
set -f

OCC="${OCC:-php /var/www/html/occ}"
occ() {
  # shellcheck disable=SC2086 # OCC is a command line: split on purpose
  $OCC "$@"
}

case ${NC_OAUTH_LAB_TEST_MODE:-false} in
  true | 1 | yes | on) default_users="alice:alice-password:users bob:bob-password:users" ;;
  false | 0 | no | off) default_users= ;;
  *)
    echo "nc-oauth-lab: NC_OAUTH_LAB_TEST_MODE must be true or false, not '$NC_OAUTH_LAB_TEST_MODE'" >&2
    exit 1
    ;;
esac
users=${NC_OAUTH_LAB_USERS-$default_users}

# Check every entry before creating any, so that a typo creates nobody. Messages never show a password.
n=0
for entry in $users; do
  n=$((n + 1))
  case $entry in
    *:?*) ;;
    *)
      echo "nc-oauth-lab: NC_OAUTH_LAB_USERS entry $n is not uid:password[:group]" >&2
      exit 1
      ;;
  esac
  uid=${entry%%:*}
  rest=${entry#*:}
  case $uid in
    '' | *[!A-Za-z0-9_.@-]*)
      echo "nc-oauth-lab: NC_OAUTH_LAB_USERS entry $n: '$uid' is not a user id (letters, digits, _ . @ -)" >&2
      exit 1
      ;;
  esac
  if [ -z "${rest%%:*}" ]; then
    echo "nc-oauth-lab: NC_OAUTH_LAB_USERS entry $n: user $uid has no password" >&2
    exit 1
  fi
done

for entry in $users; do
  uid=${entry%%:*}
  rest=${entry#*:}
  group=
  case $rest in *:*) group=${rest#*:} ;; esac
  if [ "$uid" = "${NEXTCLOUD_ADMIN_USER-}" ]; then
    echo "nc-oauth-lab: user $uid is the admin, made by the install: skipped"
    continue
  fi
  echo "nc-oauth-lab: adding user $uid${group:+ to group $group}"
  # occ reads the password from OC_PASS: it never appears on a command line.
  OC_PASS=${rest%%:*}
  export OC_PASS
  if [ -n "$group" ]; then
    occ user:add --password-from-env --group="$group" "$uid"
  else
    occ user:add --password-from-env "$uid"
  fi
  unset OC_PASS
done
