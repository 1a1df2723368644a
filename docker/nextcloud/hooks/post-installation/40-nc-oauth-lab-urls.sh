#!/bin/sh
# nc-oauth-lab post-installation hook 40: the URL occ and background jobs use, and the host names the
# instance answers to (facts page, "Configuration (occ)"). The image's own NEXTCLOUD_TRUSTED_DOMAINS is
# applied before the hooks run; the domains here are added after the ones already there.
#   NC_OAUTH_LAB_OVERWRITE_CLI_URL    URL (default: unset, left as the install made it): overwrite.cli.url
#   NC_OAUTH_LAB_TRUSTED_DOMAINS      host names, space-separated (default: none): added to trusted_domains
#   OCC                               the occ command line (default: php /var/www/html/occ)
set -eu
# Lists are split on spaces, never globbed.
set -f

OCC="${OCC:-php /var/www/html/occ}"
occ() {
  # shellcheck disable=SC2086 # OCC is a command line: split on purpose
  $OCC "$@"
}

cli_url=${NC_OAUTH_LAB_OVERWRITE_CLI_URL-}
domains=${NC_OAUTH_LAB_TRUSTED_DOMAINS-}

# Check everything before changing anything.
if [ -n "$cli_url" ]; then
  case $cli_url in
    http://?* | https://?*) ;;
    *)
      echo "nc-oauth-lab: NC_OAUTH_LAB_OVERWRITE_CLI_URL must be an http(s) URL, not '$cli_url'" >&2
      exit 1
      ;;
  esac
fi
for domain in $domains; do
  case $domain in
    *[!]A-Za-z0-9.:*_[-]*)
      echo "nc-oauth-lab: '$domain' in NC_OAUTH_LAB_TRUSTED_DOMAINS is not a host name" >&2
      exit 1
      ;;
  esac
done

if [ -n "$cli_url" ]; then
  echo "nc-oauth-lab: overwrite.cli.url $cli_url"
  occ config:system:set overwrite.cli.url --value="$cli_url"
fi

if [ -n "$domains" ]; then
  # One domain a line, as occ prints a list; nothing (and exit 1) when the list is not set. New entries go
  # after the existing ones, which the install and the image's NEXTCLOUD_TRUSTED_DOMAINS number from 0.
  existing=$(occ config:system:get trusted_domains) || existing=
  count=$(printf '%s\n' "$existing" | grep -c . || true)
  for domain in $domains; do
    if printf '%s\n' "$existing" | grep -qxF -- "$domain"; then
      echo "nc-oauth-lab: trusted domain $domain is already there"
      continue
    fi
    echo "nc-oauth-lab: trusted domain $count: $domain"
    occ config:system:set trusted_domains "$count" --value="$domain"
    existing=$(printf '%s\n%s' "$existing" "$domain")
    count=$((count + 1))
  done
fi
