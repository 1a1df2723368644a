import { afterEach, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { oidcStore } from './oidc-store.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

describe('oidc occ commands', () => {
  it('oidc:create prints the client as JSON with client_id and client_secret', async () => {
    double = await startDouble({ nextcloud: 32, oidc: '1.16.6' });
    const result = await double.occ(['oidc:create', 'Harness', 'http://127.0.0.1:9/cb', 'http://127.0.0.1:9/cb2', '--type', 'public', '--token_type', 'jwt', '--allowed_scopes', 'openid email', '-a', 'RS256']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\{\n {4}"name": "Harness",/);
    const client = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(client).toMatchObject({ name: 'Harness', redirect_uris: ['http://127.0.0.1:9/cb', 'http://127.0.0.1:9/cb2'], jwt_alg: 'RS256', type: 'public', flow_type: 'code', dcr: false, token_type: 'jwt', allowed_scopes: 'openid email', email_regex: '', resource_url: null });
    expect(client['client_id']).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(oidcStore(double.state).clients.get(String(client['client_id']))?.redirectUris).toEqual(['http://127.0.0.1:9/cb', 'http://127.0.0.1:9/cb2']);
  });

  it('oidc:create takes given credentials and checks them', async () => {
    double = await startDouble();
    const id = 'harness-client-id-0123456789abcdef';
    const secret = 'harness-client-secret-0123456789abcdef';
    const ok = await double.occ(['oidc:create', 'Fixed', 'http://127.0.0.1:9/cb', `--client_id=${id}`, `--client_secret=${secret}`]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ client_id: id, client_secret: secret, token_type: 'opaque' });
    const bad = await double.occ(['oidc:create', 'Bad', 'http://127.0.0.1:9/cb', '--client_id=short']);
    expect(bad).toEqual({ exitCode: 1, stdout: 'Error: Your clientId must comply with the following rules: printable ASCII except : and length 32-64\n', stderr: '' });
    expect((await double.occ(['oidc:create', 'NoUri'])).exitCode).toBe(1);
    expect((await double.occ(['oidc:create', 'BadUri', 'not a uri'])).stdout).toContain("The redirect uri 'not a uri' is not valid");
  });

  it('oidc:list lists clients and oidc:remove removes them', async () => {
    double = await startDouble();
    const created = JSON.parse((await double.occ(['oidc:create', 'One', 'http://127.0.0.1:9/cb'])).stdout) as { client_id: string };
    const listed = JSON.parse((await double.occ(['oidc:list'])).stdout) as Record<string, unknown>[];
    expect(listed.map((c) => c['client_id'])).toContain(created.client_id);
    expect(listed.find((c) => c['client_id'] === created.client_id)).toMatchObject({ name: 'One', redirect_uris: [] });
    expect(await double.occ(['oidc:remove', created.client_id])).toEqual({ exitCode: 0, stdout: `Client \`${created.client_id}\` removed.\n`, stderr: '' });
    expect((await double.occ(['oidc:remove', created.client_id])).exitCode).toBe(1);
    expect(oidcStore(double.state).clients.has(created.client_id)).toBe(false);
  });

  it('exists only while the oidc app is enabled', async () => {
    double = await startDouble({ configure: false });
    expect((await double.occ(['oidc:list'])).exitCode).toBe(1);
    await double.occ(['app:enable', 'oidc']);
    expect(await double.occ(['oidc:list'])).toEqual({ exitCode: 0, stdout: '[]\n', stderr: '' });
  });
});
