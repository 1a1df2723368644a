#!/bin/sh
# nc-oauth-lab post-installation hook 30: let user_oidc accept the oidc app's tokens (facts page,
# "Configuration (occ)"). The value must be a real boolean (--type=boolean): the string "true" does not work.
#   NC_OAUTH_LAB_BEARER_VALIDATION    true|false (default: true): oidc_provider_bearer_validation
#   OCC                               the occ command line (default: php /var/www/html/occ)
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

if flag NC_OAUTH_LAB_BEARER_VALIDATION "${NC_OAUTH_LAB_BEARER_VALIDATION:-true}"; then value=true; else value=false; fi
echo "nc-oauth-lab: user_oidc: bearer validation through the oidc app $value"
occ config:system:set user_oidc oidc_provider_bearer_validation --value="$value" --type=boolean
