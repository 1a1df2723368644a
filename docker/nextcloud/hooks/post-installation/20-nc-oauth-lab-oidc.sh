#!/bin/sh
# nc-oauth-lab post-installation hook 20: configure the oidc app (facts page, "Configuration (occ)").
#   NC_OAUTH_LAB_DCR                    true|false (default: true): dynamic client registration; the app
#                                       compares the string 'true'
#   NC_OAUTH_LAB_TOKEN_TYPE             opaque|jwt (default: opaque): default access token format
#   NC_OAUTH_LAB_CONSENT                true|false (default: false): the consent page (oidc >= 1.11),
#                                       allow_user_settings=enabled; false sets the app's default 'no'
#   NC_OAUTH_LAB_EXPIRE_TIME            seconds (default: unset, the app's 900): access token lifetime
#   NC_OAUTH_LAB_REFRESH_EXPIRE_TIME    seconds (default: unset, the app's 900): refresh token lifetime
#   NC_OAUTH_LAB_CLIENT_EXPIRE_TIME     seconds (default: unset, the app's 3600): lifetime of dynamically
#                                       registered clients
#   OCC                                 the occ command line (default: php /var/www/html/occ)
set -eu

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

# seconds NAME VALUE: exit 1 unless VALUE is a positive whole number.
seconds() {
  case $2 in
    '' | *[!0-9]* | 0)
      echo "nc-oauth-lab: $1 must be a number of seconds, not '$2'" >&2
      exit 1
      ;;
  esac
}

dcr=${NC_OAUTH_LAB_DCR:-true}
token_type=${NC_OAUTH_LAB_TOKEN_TYPE:-opaque}
consent=${NC_OAUTH_LAB_CONSENT:-false}
case $token_type in
  opaque | jwt) ;;
  *)
    echo "nc-oauth-lab: NC_OAUTH_LAB_TOKEN_TYPE must be opaque or jwt, not '$token_type'" >&2
    exit 1
    ;;
esac
if flag NC_OAUTH_LAB_DCR "$dcr"; then dcr=true; else dcr=false; fi
if flag NC_OAUTH_LAB_CONSENT "$consent"; then consent=enabled; else consent=no; fi
if [ -n "${NC_OAUTH_LAB_EXPIRE_TIME-}" ]; then seconds NC_OAUTH_LAB_EXPIRE_TIME "$NC_OAUTH_LAB_EXPIRE_TIME"; fi
if [ -n "${NC_OAUTH_LAB_REFRESH_EXPIRE_TIME-}" ]; then seconds NC_OAUTH_LAB_REFRESH_EXPIRE_TIME "$NC_OAUTH_LAB_REFRESH_EXPIRE_TIME"; fi
if [ -n "${NC_OAUTH_LAB_CLIENT_EXPIRE_TIME-}" ]; then seconds NC_OAUTH_LAB_CLIENT_EXPIRE_TIME "$NC_OAUTH_LAB_CLIENT_EXPIRE_TIME"; fi

echo "nc-oauth-lab: oidc: dynamic client registration $dcr, token type $token_type, consent page $consent"
occ config:app:set oidc dynamic_client_registration --value="$dcr"
occ config:app:set oidc default_token_type --value="$token_type"
occ config:app:set oidc allow_user_settings --value="$consent"
if [ -n "${NC_OAUTH_LAB_EXPIRE_TIME-}" ]; then
  occ config:app:set oidc expire_time --value="$NC_OAUTH_LAB_EXPIRE_TIME"
fi
if [ -n "${NC_OAUTH_LAB_REFRESH_EXPIRE_TIME-}" ]; then
  occ config:app:set oidc refresh_expire_time --value="$NC_OAUTH_LAB_REFRESH_EXPIRE_TIME"
fi
if [ -n "${NC_OAUTH_LAB_CLIENT_EXPIRE_TIME-}" ]; then
  occ config:app:set oidc client_expire_time --value="$NC_OAUTH_LAB_CLIENT_EXPIRE_TIME"
fi
