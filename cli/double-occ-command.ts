import { OCC_ENDPOINT_PATH, type OccEndpointRequest } from '../double/occ-endpoint.ts';
import type { OccResult } from '../double/occ.ts';
/** The variable the harness reads the admin password from (harness ADMIN_PASSWORD_ENV; not imported: this command loads only itself, once per occ run). */
const ADMIN_PASSWORD_ENV = 'NC_ADMIN_PASSWORD';
import { CliError, type CommandSpec } from './command.ts';

/**
 * `nc-oauth-lab double occ --url URL <occ words...>`: a double-only tool that runs occ on a Nextcloud double
 * running as its own process (`nc-oauth-lab double`), through the double's loopback occ endpoint, with the
 * admin credentials. It prints what occ printed and exits with occ's exit code, so that it can stand in for
 * `php occ` in `--occ` of the external provider.
 */
export const doubleOccCommand: CommandSpec = {
  name: 'occ',
  summary: "Double-only: run occ on a Nextcloud double that runs as its own process (its loopback occ endpoint), as --occ of the external provider.",
  args: '<occ words...>',
  passThrough: true,
  options: {
    url: { type: 'string', valueName: 'URL', description: 'The double, as `nc-oauth-lab double` printed it (loopback only).' },
    'admin-user': { type: 'string', valueName: 'UID', description: `An admin of the double (its password in ${ADMIN_PASSWORD_ENV}).`, default: 'admin' },
  },
  details: [
    'Everything after the options goes to occ as it is; OC_PASS in the environment goes along (occ user:add --password-from-env).',
    'This talks to the Nextcloud double only: a real Nextcloud has no occ endpoint (use "php occ" or "docker exec ... php occ" there).',
    'Example: NC_ADMIN_PASSWORD=admin-password nc-oauth-lab matrix --provider external --url http://127.0.0.1:8089 \\',
    '  --occ "nc-oauth-lab double occ --url http://127.0.0.1:8089"',
  ].join('\n'),
  async run(ctx) {
    const url = typeof ctx.values['url'] === 'string' ? ctx.values['url'] : undefined;
    if (!url) throw new CliError('double occ needs --url, the address of the double (e.g. http://127.0.0.1:8089)');
    let endpoint: URL;
    try {
      endpoint = new URL(OCC_ENDPOINT_PATH, `${url.replace(/\/+$/, '')}/`);
    } catch (error) {
      throw new CliError(`--url '${url}' is not a URL: give the address of the double, e.g. http://127.0.0.1:8089`, { cause: error });
    }
    const password = process.env[ADMIN_PASSWORD_ENV];
    if (!password) throw new CliError(`double occ needs the password of the double's admin in ${ADMIN_PASSWORD_ENV}`);
    const user = String(ctx.values['admin-user'] ?? 'admin');
    const body: OccEndpointRequest = { args: ctx.positionals, ...(process.env['OC_PASS'] ? { env: { OC_PASS: process.env['OC_PASS'] } } : {}) };
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new CliError(`cannot reach the double's occ endpoint at ${endpoint.origin}: ${(error as Error).message}; start it with 'nc-oauth-lab double'`, { cause: error });
    }
    const answer = (await response.json().catch(() => ({}))) as Partial<OccResult> & { error?: string };
    if (response.status !== 200 || typeof answer.exitCode !== 'number') {
      throw new CliError(`the double's occ endpoint answered ${response.status}: ${answer.error ?? 'not an occ result'} (is ${endpoint.origin} a Nextcloud double started by 'nc-oauth-lab double'?)`);
    }
    if (answer.stdout) process.stdout.write(answer.stdout);
    if (answer.stderr) process.stderr.write(answer.stderr);
    return answer.exitCode;
  },
};
