import { PROBE_CHECKS, SecretRedactor, bearerProbe, browserLoginFlow, expectedProbe, probeMatches, type ProbeRow, type ProbeVariant } from '../harness/index.ts';
import type { CommandSpec } from './command.ts';
import { INSTANCE_OPTIONS, instanceFromOptions, instanceLines, withInstance } from './login-command.ts';

/** One line of the probe table: what was observed and what the facts page expects. */
export interface ProbeTableRow {
  check: string;
  observed: string;
  expected: string;
  ok: boolean;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The probe's rows beside the facts page's expectations for the variant. */
export function probeTable(rows: readonly ProbeRow[], variant: ProbeVariant): ProbeTableRow[] {
  return rows.map((row) => {
    const expected = expectedProbe(row.check, variant);
    return {
      check: row.check,
      observed: shorten(`${row.status} ${row.message}`.trim(), 60),
      expected: `${expected.statuses.join(' or ')}${expected.message ? ` "${expected.message}"` : ''} (${expected.note})`,
      ok: probeMatches(row, expected),
    };
  });
}

/** The table as text, columns padded. */
export function formatProbeTable(table: readonly ProbeTableRow[]): string[] {
  const widths = [
    Math.max('check'.length, ...table.map((r) => r.check.length)),
    Math.max('observed'.length, ...table.map((r) => r.observed.length)),
    Math.max('expected (facts page)'.length, ...table.map((r) => r.expected.length)),
  ];
  const line = (cells: string[]): string => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd();
  return [line(['check', 'observed', 'expected (facts page)', '']), ...table.map((r) => line([r.check, r.observed, r.expected, r.ok ? 'ok' : 'DIFFERS']))];
}

/** `nc-oauth-lab probe`: the facts page's bearer table against an instance. */
export const probeCommand: CommandSpec = {
  name: 'probe',
  summary: "Log in through a browser, then send the facts page's bearer-table requests and compare the statuses.",
  options: { ...INSTANCE_OPTIONS },
  details: [
    `Checks (each without cookies): ${PROBE_CHECKS.length} requests, with a valid and an invalid token: OCS capabilities and`,
    'cloud/user, Notes GET and POST with Bearer only and with OCS-APIRequest, DAV PROPFIND on files and calendars.',
    'Prints the status and message of each beside what the facts page expects for the variant found, and exits 1',
    'when a row differs. A note the probe creates is deleted again.',
  ].join('\n'),
  async run(ctx) {
    const secrets = new SecretRedactor();
    const choice = instanceFromOptions(ctx, secrets);
    return withInstance(ctx, choice, secrets, async (instance, browser) => {
      const progress = (line: string): void => ctx.err(secrets.redact(line));
      const login = await browserLoginFlow(instance, { ...choice.flow, browser, deleteClient: false, consent: 'allow', progress });
      let rows: ProbeRow[];
      try {
        progress('probing the APIs with the token and with an invalid one');
        rows = await bearerProbe({ baseUrl: instance.baseUrl, token: login.tokens.accessToken, uid: login.user.uid, secrets, progress });
      } finally {
        progress('deleting the client');
        await login.client.delete().catch((error: unknown) => progress(`could not delete the client: ${error instanceof Error ? error.message : String(error)}`));
      }
      for (const line of instanceLines(instance)) ctx.out(line);
      ctx.out(`token      ${login.tokens.format === 'jwt' ? 'JWT' : 'opaque'} of ${login.user.uid}`);
      ctx.out('');
      const table = probeTable(rows, { nextcloudMajor: instance.variant.nextcloudMajor, patch: instance.variant.patch });
      for (const line of formatProbeTable(table)) ctx.out(line);
      const differing = table.filter((r) => !r.ok);
      ctx.out('');
      ctx.out(differing.length === 0 ? `all ${table.length} rows as the facts page says` : `${differing.length} of ${table.length} rows differ from the facts page: ${differing.map((r) => r.check).join(', ')}`);
      const notesMissing = rows.some((r) => r.check.startsWith('bearer.notes') && r.status === 404);
      if (notesMissing) ctx.out('hint: Notes answered 404: the notes app is not enabled on this instance (occ app:enable notes)');
      if (instance.variant.isDouble) ctx.out('note: this ran against the Nextcloud double, a test double, not a real Nextcloud');
      return differing.length === 0 ? 0 : 1;
    });
  },
};
