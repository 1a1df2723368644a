import { DOUBLE_FAULTS, isDoubleFault, PATCH_MODES, startDouble, VersionError, type NextcloudMajor, type PatchMode } from '../double/index.ts';
import { CliError, intOption, type CommandSpec } from './command.ts';
import { doubleOccCommand } from './double-occ-command.ts';

/** Parses `uid:password[:group]` user specs. */
export function parseUserSpecs(specs: readonly string[]): { uid: string; password: string; groups: string[] }[] {
  return specs.map((spec) => {
    const [uid, password, group] = spec.split(':');
    if (!uid || !password) throw new CliError(`--user '${spec.split(':')[0]}:…' must be uid:password or uid:password:group`);
    return { uid, password, groups: group ? [group] : [] };
  });
}

/** `nc-oauth-lab double`: runs the Nextcloud double until interrupted. */
export const doubleCommand: CommandSpec = {
  name: 'double',
  summary: 'Run the Nextcloud double (a test double of Nextcloud with the oidc and user_oidc apps) until Ctrl-C.',
  options: {
    port: { type: 'string', valueName: 'N', description: 'Port to listen on.', default: '8089' },
    host: { type: 'string', valueName: 'HOST', description: 'Address to listen on.', default: '127.0.0.1' },
    nextcloud: { type: 'string', valueName: 'MAJOR', choices: ['31', '32', '33', '34', '35'], description: 'Nextcloud major to play.', default: '32' },
    oidc: { type: 'string', valueName: 'VERSION', description: 'oidc app version (default: the newest for the major).' },
    'user-oidc': { type: 'string', valueName: 'VERSION', description: 'user_oidc app version (default: the newest for the major).' },
    patch: { type: 'string', choices: PATCH_MODES, description: 'Patch mode.', default: 'none' },
    'no-dcr': { type: 'boolean', description: 'Leave dynamic client registration off.' },
    consent: { type: 'boolean', description: 'Show the consent page (oidc >= 1.11).' },
    'token-type': { type: 'string', choices: ['opaque', 'jwt'], description: 'Default access token format.', default: 'opaque' },
    user: { type: 'string', multiple: true, valueName: 'UID:PASSWORD[:GROUP]', description: 'A test user (repeatable; replaces the default users).' },
    fault: {
      type: 'string',
      multiple: true,
      valueName: DOUBLE_FAULTS.join('|'),
      description: 'Double-only: simulate a failure real Nextcloud has shown (repeatable). user-create-fails-after-create: POST cloud/users creates the account, then answers OCS 500/996 (Nextcloud 34.0.1 did, when the avatar could not be generated). slow-occ: every occ call through the endpoint takes a second more, as real occ, which boots Nextcloud each time.',
    },
  },
  subcommands: [doubleOccCommand],
  details: [
    'The double is a test double, not a real Nextcloud: its status.php says so and every report that uses it says so.',
    "It serves its occ to 'nc-oauth-lab double occ --url URL' over loopback (admin credentials), so that --provider external can drive it",
    'as it drives a real instance: --occ "nc-oauth-lab double occ --url URL" with NC_ADMIN_PASSWORD set.',
  ].join('\n'),
  async run(ctx) {
    const port = intOption(ctx, 'port', 0, 65535) ?? 8089;
    const users = Array.isArray(ctx.values['user']) ? parseUserSpecs(ctx.values['user']) : undefined;
    const faults = ((ctx.values['fault'] as string[] | undefined) ?? []).map((f) => {
      if (!isDoubleFault(f)) throw new CliError(`--fault must be one of ${DOUBLE_FAULTS.join(', ')}, not '${f}'`);
      return f;
    });
    let double;
    try {
      double = await startDouble({
        nextcloud: Number(ctx.values['nextcloud']) as NextcloudMajor,
        ...(typeof ctx.values['oidc'] === 'string' ? { oidc: ctx.values['oidc'] } : {}),
        ...(typeof ctx.values['user-oidc'] === 'string' ? { userOidc: ctx.values['user-oidc'] } : {}),
        patch: ctx.values['patch'] as PatchMode,
        dcr: ctx.values['no-dcr'] !== true,
        consent: ctx.values['consent'] === true,
        tokenType: ctx.values['token-type'] as 'opaque' | 'jwt',
        port,
        host: String(ctx.values['host']),
        ...(users ? { users } : {}),
        faults,
        occEndpoint: true,
      });
    } catch (error) {
      if (error instanceof VersionError) throw new CliError(error.message, { cause: error });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') throw new CliError(`cannot listen on ${String(ctx.values['host'])}:${port} (${code}): pick another --port`, { cause: error });
      throw error;
    }
    const v = double.state.versions;
    ctx.out(`Nextcloud double (a test double, not a real Nextcloud) listening on ${double.url}`);
    ctx.out(`  plays Nextcloud ${v.nextcloud}, oidc ${v.oidc}, user_oidc ${v.userOidc}, patch ${double.state.patch}`);
    ctx.out(`  discovery: ${double.url}/index.php/.well-known/openid-configuration`);
    ctx.out('  test users (double-only credentials):');
    for (const u of double.users) ctx.out(`    ${u.uid} / ${u.password}${u.groups?.length ? ` (${u.groups.join(', ')})` : ''}`);
    ctx.out(`  occ (double-only): nc-oauth-lab double occ --url ${double.url} <words>, with an admin's password in NC_ADMIN_PASSWORD`);
    if (faults.length > 0) ctx.out(`  simulated faults (double-only): ${faults.join(', ')}`);
    ctx.out('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void double.stop().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
