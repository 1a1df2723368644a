import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEXTCLOUD_DOCKERFILE, REPO_ROOT } from './nextcloud-image.ts';
import { parseDockerfile } from './parse-dockerfile.ts';

// The Dockerfile's patch stages run our CLI on what the stage copies in: the whole user_oidc app in
// /out/user_oidc, and only version.php plus CORSMiddleware.php of the server in /server. Here the exact
// command lines of those RUN instructions run with the real CLI on the patches' synthetic fixtures laid
// out the same way (the patches' own tests cover every outcome; this ties the Dockerfile to the CLI).

const stages = parseDockerfile(readFileSync(join(REPO_ROOT, NEXTCLOUD_DOCKERFILE), 'utf8')).stages;
const FIXTURES = join(REPO_ROOT, 'patches/fixtures');
const haveFixtures = existsSync(join(FIXTURES, 'user_oidc-8.10/lib/User/Backend.php')) && existsSync(join(FIXTURES, 'server-32/version.php'));

/** The `node bin/nc-oauth-lab.js patch apply ...` words of a stage's RUN, up to the redirection. */
function patchCommand(stage: string): string[] {
  const run = stages.find((s) => s.name === stage)!.instructions.find((i) => i.keyword === 'RUN')!.args;
  const command = /node (bin\/nc-oauth-lab\.js patch apply [^>&]+)/.exec(run)![1]!.trim().split(/\s+/);
  return command;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!haveFixtures)('the Dockerfile patch stages with the real CLI (skipped without patches/fixtures)', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-patch-stage-'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // Both stages in one test, run at once: each CLI start transpiles the whole command tree.
  it('user_oidc-app-api patches the app in /out/user_oidc; server-cors needs only version.php and CORSMiddleware.php', async () => {
    await Promise.all([userOidcStage(), serverStage()]);
  }, 120_000);

  async function userOidcStage(): Promise<void> {
    const command = patchCommand('patch-user_oidc-app-api');
    expect(command).toEqual(['bin/nc-oauth-lab.js', 'patch', 'apply', '--patch', 'user_oidc-app-api', '--target', '/out/user_oidc']);
    const target = join(root, 'out/user_oidc');
    cpSync(join(FIXTURES, 'user_oidc-8.10'), target, { recursive: true });
    const args = command.map((w) => (w === '/out/user_oidc' ? target : w));
    const first = await cli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^user_oidc-app-api: applied 4 edits to /);
    expect(readFileSync(join(target, 'lib/User/Backend.php'), 'utf8')).toContain("$this->session->set('app_api', true);");
  }

  async function serverStage(): Promise<void> {
    const command = patchCommand('patch-server-cors');
    expect(command).toEqual(['bin/nc-oauth-lab.js', 'patch', 'apply', '--patch', 'server-cors', '--target', '/server']);
    const stage = stages.find((s) => s.name === 'patch-server-cors')!;
    const middleware = stage.instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('CORS_MIDDLEWARE='))!.args.split('=')[1]!;
    const copies = stage.instructions.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=server-source')).map((i) => i.args.split(/\s+/)[2]);
    expect(copies).toEqual(['/server/version.php', '/server/${CORS_MIDDLEWARE}']);
    const target = join(root, 'server');
    mkdirSync(dirname(join(target, middleware)), { recursive: true });
    cpSync(join(FIXTURES, 'server-32/version.php'), join(target, 'version.php'));
    cpSync(join(FIXTURES, 'server-32', middleware), join(target, middleware));
    const args = command.map((w) => (w === '/server' ? target : w));
    const first = await cli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^server-cors: applied 1 edit to lib\/private\/AppFramework\/Middleware\/Security\/CORSMiddleware\.php/);
    expect(readFileSync(join(target, middleware), 'utf8')).not.toBe(readFileSync(join(FIXTURES, 'server-32', middleware), 'utf8'));
  }
});

/**
 * The packages that the modules reachable from the CLI's entry import at run time (type-only imports are
 * erased), following relative imports. The image's CLI stage installs with `npm ci --omit=dev`.
 */
function runtimePackages(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (target.endsWith('.ts') && existsSync(target)) queue.push(target);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!packages.has(name)) packages.set(name, file.slice(REPO_ROOT.length + 1));
      }
    }
  }
  return packages;
}

describe('the CLI in the image', () => {
  it('needs no devDependency at run time (the patch stage runs npm ci --omit=dev)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const used = runtimePackages(join(REPO_ROOT, 'cli/main.ts'));
    expect(used.has('tsx') || readFileSync(join(REPO_ROOT, 'bin/nc-oauth-lab.js'), 'utf8').includes("from 'tsx/esm/api'")).toBe(true);
    const dev = [...used].filter(([name]) => name in pkg.devDependencies).map(([name, file]) => `${name} (imported by ${file})`);
    expect(dev, 'move these to dependencies, or import them only in tests').toEqual([]);
    const missing = [...used].filter(([name]) => !(name in pkg.dependencies) && !(name in pkg.devDependencies)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing, 'imported but not in package.json').toEqual([]);
    expect('tsx' in pkg.dependencies).toBe(true);
    // The walk reaches the double (the double command) and its server library.
    expect(used.has('hono')).toBe(true);
  });
});
