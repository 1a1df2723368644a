import { SLOW_OCC_MS } from './double-faults.ts';
import type { DoubleState } from './double-state.ts';
import type { OccResult } from './occ.ts';

/**
 * Path of the double's occ endpoint (double-only: real Nextcloud has no such thing; it runs occ on the
 * server's shell). `nc-oauth-lab double occ --url URL ...` posts to it, so that the external provider can
 * drive a double that runs as its own process exactly as it drives a real instance through its occ command
 * line.
 */
export const OCC_ENDPOINT_PATH = '/.nc-oauth-lab/occ';

/** The body `nc-oauth-lab double occ` sends: the words after `occ`, and `OC_PASS` when its environment has it. */
export interface OccEndpointRequest {
  args: string[];
  env?: { OC_PASS?: string };
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (/^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/.test(address));
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/**
 * Answers the occ endpoint: only over loopback, only with HTTP Basic credentials of an admin of the double
 * (as only an admin of the server can run occ), `POST` with an `OccEndpointRequest`; the answer is the
 * `OccResult` (exit code, stdout, stderr) of the double's occ.
 */
export async function handleOccEndpoint(state: DoubleState, request: Request, remoteAddress: string | undefined, occ: (args: readonly string[], env: Readonly<Record<string, string | undefined>>) => OccResult): Promise<Response> {
  if (!isLoopback(remoteAddress)) return json(403, { error: 'the occ endpoint of the double answers loopback requests only' });
  if (request.method !== 'POST') return json(405, { error: 'POST an {"args": [...]} body' });
  const basic = /^Basic\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  const [uid, ...rest] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
  const user = uid ? state.checkPassword(uid, rest.join(':')) : undefined;
  if (!user || !user.groups.includes('admin')) return json(401, { error: 'the occ endpoint needs the credentials of an admin of the double' });
  let body: OccEndpointRequest;
  try {
    body = (await request.json()) as OccEndpointRequest;
  } catch {
    return json(400, { error: 'the body is not JSON' });
  }
  if (!Array.isArray(body.args) || !body.args.every((a) => typeof a === 'string')) return json(400, { error: 'args must be an array of strings' });
  const env = typeof body.env?.OC_PASS === 'string' ? { OC_PASS: body.env.OC_PASS } : {};
  if (state.faults.has('slow-occ')) await new Promise((r) => setTimeout(r, SLOW_OCC_MS));
  return json(200, occ(body.args, env));
}
