import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NEXTCLOUD_DOCKERFILE, NEXTCLOUD_IMAGE_DEFAULTS, POST_INSTALLATION_HOOKS_DIR, REPO_ROOT } from './nextcloud-image.ts';
import { parseDockerfile } from './parse-dockerfile.ts';
import { runHooksWithFakeOcc } from './run-hooks-with-fake-occ.ts';

// docker/compose.yaml, the demo: parsed and checked (services, environment, healthchecks, depends_on), and
// its Nextcloud environment run through the hooks against the recording fake occ.

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  healthcheck?: { test: string[]; interval?: string; retries?: number; start_period?: string };
  volumes?: string[];
}

const COMPOSE_FILE = join(REPO_ROOT, 'docker/compose.yaml');
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as { name?: string; services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const services = compose.services;
const db = services['db']!;
const nextcloud = services['nextcloud']!;
const mcp = services['mcp']!;

/** Compose interpolation with an empty environment: `${X:-default}`, `${X-default}`, `${X}`. */
function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?-)([^}]*))?\}/g, (_, name: string, op: string | undefined, fallback: string | undefined) => {
    const set = env[name];
    if (op === ':-') return set ? set : (fallback ?? '');
    if (op === '-') return set !== undefined ? set : (fallback ?? '');
    return set ?? '';
  });
}

const env = (service: ComposeService): Record<string, string> => Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe('docker/compose.yaml', () => {
  it('has the demo services: PostgreSQL, the built Nextcloud and the MCP server', () => {
    // No top-level name: docker-compose 1.29 (Debian 12) rejects it; `-p nc-oauth-lab` names the project.
    expect(compose.name).toBeUndefined();
    expect(readFileSync(COMPOSE_FILE, 'utf8')).toContain('docker compose -p nc-oauth-lab -f docker/compose.yaml up --build');
    expect(Object.keys(services).sort()).toEqual(['db', 'mcp', 'nextcloud']);
    expect(db.image).toMatch(/^postgres:\d+/);
    expect(Object.keys(compose.volumes).sort()).toEqual(['db', 'nextcloud']);
  });

  it('builds Nextcloud from docker/nextcloud/Dockerfile with build args the Dockerfile declares, defaulting to its defaults', () => {
    const base = dirname(COMPOSE_FILE);
    expect(resolve(base, nextcloud.build!.context)).toBe(REPO_ROOT);
    expect(nextcloud.build!.dockerfile).toBe(NEXTCLOUD_DOCKERFILE);
    const declared = parseDockerfile(readFileSync(join(REPO_ROOT, NEXTCLOUD_DOCKERFILE), 'utf8')).globalArgs;
    const args = Object.fromEntries(Object.entries(nextcloud.build!.args!).map(([k, v]) => [k, interpolate(v)]));
    for (const [name, value] of Object.entries(args)) expect(declared.get(name), `${name} defaults like the Dockerfile`).toBe(value);
    expect(args).toEqual({ NEXTCLOUD_VERSION: NEXTCLOUD_IMAGE_DEFAULTS.nextcloud, OIDC_VERSION: NEXTCLOUD_IMAGE_DEFAULTS.oidc, USER_OIDC_VERSION: NEXTCLOUD_IMAGE_DEFAULTS.userOidc, PATCH: 'none', RELEASE_MIRROR: '' });
    expect(interpolate(nextcloud.build!.args!['RELEASE_MIRROR']!, { NC_OAUTH_LAB_RELEASE_MIRROR: 'http://mirror.example.test/apps' })).toBe('http://mirror.example.test/apps');
    expect(interpolate(nextcloud.build!.args!['PATCH']!, { PATCH: 'user_oidc-app-api' })).toBe('user_oidc-app-api');
  });

  it('installs Nextcloud on the db service with the same database credentials', () => {
    const n = env(nextcloud);
    const d = env(db);
    expect(n['POSTGRES_HOST']).toBe('db');
    expect(n['POSTGRES_DB']).toBe(d['POSTGRES_DB']);
    expect(n['POSTGRES_USER']).toBe(d['POSTGRES_USER']);
    expect(n['POSTGRES_PASSWORD']).toBe(d['POSTGRES_PASSWORD']);
    expect(nextcloud.environment!['POSTGRES_PASSWORD']).toBe(db.environment!['POSTGRES_PASSWORD']);
    expect(n['NEXTCLOUD_ADMIN_USER']).toBe('admin');
    expect(n['NEXTCLOUD_ADMIN_PASSWORD']).not.toBe('');
  });

  it('sets only hook variables the hooks read, and the hooks accept them', async () => {
    const n = env(nextcloud);
    const hooksText = readdirSync(POST_INSTALLATION_HOOKS_DIR).map((f) => readFileSync(join(POST_INSTALLATION_HOOKS_DIR, f), 'utf8')).join('\n');
    for (const key of Object.keys(n).filter((k) => k.startsWith('NC_OAUTH_LAB_'))) expect(hooksText, key).toContain(`\${${key}`);
    const run = await runHooksWithFakeOcc({ ...Object.fromEntries(Object.entries(n).filter(([k]) => k.startsWith('NC_OAUTH_LAB_') || k === 'NEXTCLOUD_ADMIN_USER')), FAKE_OCC_TRUSTED_DOMAINS: 'localhost nextcloud' });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const calls = run.calls.map((c) => c.args.join(' '));
    expect(calls).toContain('config:app:set oidc dynamic_client_registration --value=true');
    expect(calls).toContain('config:system:set user_oidc oidc_provider_bearer_validation --value=true --type=boolean');
    expect(calls).toContain('config:system:set overwrite.cli.url --value=http://localhost:8080');
    expect(calls).toContain('app:disable firstrunwizard');
    expect(calls).toContain('user:add --password-from-env --group=users alice');
    // A demo, not a test instance: the protections stay on.
    expect(calls.filter((c) => c.includes('protection.enabled'))).toEqual([]);
  });

  it('lets the MCP server reach Nextcloud by service name, and tokens and browsers by the published port', () => {
    const n = env(nextcloud);
    const m = env(mcp);
    const internal = new URL(m['NC_MCP_NEXTCLOUD_URL']!);
    expect(Object.keys(services)).toContain(internal.hostname);
    expect(n['NEXTCLOUD_TRUSTED_DOMAINS']!.split(/\s+/)).toEqual(expect.arrayContaining([internal.hostname, 'localhost']));
    const published = (service: ComposeService, containerPort: string): string => {
      const port = service.ports!.find((p) => p.endsWith(`:${containerPort}`))!;
      expect(port, 'published on loopback only').toMatch(/^127\.0\.0\.1:/);
      return port.split(':')[1]!;
    };
    const issuer = new URL(m['NC_MCP_ISSUER_URL']!);
    expect(issuer.hostname).toBe('localhost');
    expect(issuer.port).toBe(published(nextcloud, '80'));
    expect(n['NC_OAUTH_LAB_OVERWRITE_CLI_URL']).toBe(issuer.origin);
    const publicUrl = new URL(m['NC_MCP_PUBLIC_URL']!);
    expect(publicUrl.port).toBe(published(mcp, m['NC_MCP_PORT']!));
    expect(publicUrl.pathname).toBe('/mcp');
    expect(m['NC_MCP_HOST']).toBe('0.0.0.0');
    expect(m['NC_MCP_AUTH']).toBe('oauth');
    expect(mcp.build).toEqual({ context: '..', dockerfile: 'server/Dockerfile' });
  });

  it('starts in order db -> nextcloud -> mcp, each waiting for the one before to be healthy', () => {
    expect(db.depends_on).toBeUndefined();
    expect(nextcloud.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(mcp.depends_on).toEqual({ nextcloud: { condition: 'service_healthy' } });
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test?.length, `${name} has a healthcheck`).toBeGreaterThan(1);
      expect(['CMD', 'CMD-SHELL']).toContain(service.healthcheck!.test[0]);
    }
    expect(db.healthcheck!.test[1]).toMatch(/pg_isready -U nextcloud -d nextcloud/);
    // Apache answers only after install and hooks: "installed" means configured.
    expect(nextcloud.healthcheck!.test[1]).toContain('http://localhost/status.php');
    expect(nextcloud.healthcheck!.test[1]).toContain('"installed":true');
    expect(Number.parseInt(nextcloud.healthcheck!.start_period!, 10)).toBeGreaterThanOrEqual(120);
    expect(mcp.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${env(mcp)['NC_MCP_PORT']}/healthz`);
  });

  it('builds the MCP server from server/Dockerfile and sets only variables the server reads', () => {
    expect(parseDockerfile(readFileSync(join(REPO_ROOT, 'server/Dockerfile'), 'utf8')).stages.length).toBeGreaterThan(0);
    const config = readFileSync(join(REPO_ROOT, 'server/server-config.ts'), 'utf8');
    for (const key of Object.keys(env(mcp))) expect(config, key).toContain(`'${key}'`);
  });
});
