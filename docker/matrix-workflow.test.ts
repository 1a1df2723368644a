import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rootCommand } from '../cli/commands.ts';
import type { CommandSpec } from '../cli/command.ts';
import { REPO_ROOT } from './nextcloud-image.ts';

// .github/workflows/matrix.yml: the matrix on real Nextcloud containers, sharded over runners, merged, and
// posted on the pull request; callable from an upstream repository (workflow_call).

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'working-directory'?: string;
  id?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on': string;
  strategy?: { 'fail-fast'?: boolean; matrix: Record<string, unknown> };
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
}

const WORKFLOW = join(REPO_ROOT, '.github/workflows/matrix.yml');
const text = readFileSync(WORKFLOW, 'utf8');
const workflow = parse(text) as { name: string; on: Record<string, { inputs: Record<string, { default?: unknown; type: string }> }> & { schedule?: { cron: string }[] }; permissions: Record<string, string>; jobs: Record<string, Job> };
const { plan, matrix, merge, history } = workflow.jobs as Record<'plan' | 'matrix' | 'merge' | 'history', Job>;
const runs = (job: Job): string => job.steps.map((s) => s.run ?? '').join('\n');

/** The words after `npx nc-oauth-lab` in every run line, continuation lines joined. */
function cliCalls(job: Job): string[][] {
  const joined = runs(job).replace(/\\\n\s*/g, ' ');
  return [...joined.matchAll(/npx nc-oauth-lab ([^\n]+)/g)].map((m) => m[1]!.trim().split(/\s+/));
}

function findCommand(path: string[]): CommandSpec | undefined {
  let spec: CommandSpec | undefined = rootCommand;
  for (const word of path) spec = spec?.subcommands?.find((c) => c.name === word);
  return spec;
}

describe('.github/workflows/matrix.yml', () => {
  it('runs by hand and from another repository, with the same inputs', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['schedule', 'workflow_call', 'workflow_dispatch']);
    const called = workflow.on['workflow_call']!.inputs;
    const dispatched = workflow.on['workflow_dispatch']!.inputs;
    for (const name of ['nextcloud', 'patch', 'user-oidc-repository', 'user-oidc-ref', 'app', 'app-repository', 'app-ref', 'release-mirror', 'shards']) {
      expect(called[name], name).toBeDefined();
      expect(dispatched[name]?.default, name).toEqual(called[name]!.default);
    }
    expect(called['nextcloud']!.default).toBe('32,34');
    expect(called['patch']!.default).toBe('none,user_oidc-app-api');
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('plans the shards, runs one job per shard without fail-fast, and merges after all of them', () => {
    expect(matrix.needs).toBe('plan');
    expect(matrix.strategy!['fail-fast']).toBe(false);
    expect(matrix.strategy!.matrix['shard']).toBe('${{ fromJSON(needs.plan.outputs.shards) }}');
    expect(merge.needs).toEqual(['plan', 'matrix']);
    expect(merge.if).toBe('${{ !cancelled() }}');
    expect(plan.outputs).toEqual({ shards: '${{ steps.shards.outputs.list }}', total: '${{ steps.shards.outputs.total }}' });
  });

  it("plan's script turns the shard count into the JSON list strategy.matrix needs", () => {
    const step = plan.steps.find((s) => s.id === 'shards')!;
    const run = (shards: string): { out: string; code: number } => {
      const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-gha-'));
      const output = join(dir, 'output');
      writeFileSync(output, '');
      try {
        execFileSync('bash', ['-eo', 'pipefail', '-c', step.run!], { env: { PATH: process.env['PATH'], SHARDS: shards, GITHUB_OUTPUT: output }, stdio: 'ignore' });
        return { out: readFileSync(output, 'utf8'), code: 0 };
      } catch (error) {
        return { out: readFileSync(output, 'utf8'), code: (error as { status: number }).status };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    expect(run('3').out).toBe('total=3\nlist=[1,2,3]\n');
    expect(JSON.parse(run('1').out.split('list=')[1]!)).toEqual([1]);
    expect(run('0')).toEqual({ out: '', code: 1 });
    expect(run('two')).toEqual({ out: '', code: 1 });
  });

  it('builds the PR checkout into the images with --user-oidc-src and runs its shard with the docker provider', () => {
    const checkout = matrix.steps.find((s) => s.with?.['path'] === 'user_oidc')!;
    expect(checkout.uses).toMatch(/^actions\/checkout@v\d+$/);
    expect(checkout.with).toMatchObject({ repository: '${{ inputs.user-oidc-repository }}', ref: '${{ inputs.user-oidc-ref }}' });
    const [call] = cliCalls(matrix);
    expect(call!.slice(0, 3)).toEqual(['matrix', '--provider', 'docker']);
    const joined = call!.join(' ');
    expect(joined).toContain('${USER_OIDC_SRC:+--user-oidc-src "$USER_OIDC_SRC"}');
    // Any other app's pull request, checked out next to nc-oauth-lab, through --app-src APP=DIR.
    const other = matrix.steps.find((s) => s.with?.['path'] === 'app-src')!;
    expect(other.with).toMatchObject({ repository: '${{ inputs.app-repository }}', ref: '${{ inputs.app-ref }}' });
    expect(joined).toContain('${APP_SRC:+--app-src "$APP_SRC"}');
    const env = matrix.steps.find((s) => s.name?.startsWith('Run shard'))!.env as Record<string, string>;
    expect(env['APP_SRC']).toBe("${{ inputs.app != '' && inputs.app-repository != '' && format('{0}=../app-src', inputs.app) || '' }}");
    expect(env['NC_OAUTH_LAB_RELEASE_MIRROR']).toBe('${{ inputs.release-mirror }}');
    expect(joined).toContain('--shard "${{ matrix.shard }}/${{ needs.plan.outputs.total }}"');
    expect(joined).toContain('--out reports/');
    // Inputs reach the shell through env, never spliced into the script.
    expect(runs(matrix)).not.toMatch(/\$\{\{\s*inputs\./);
  });

  it('uploads each blob report, merges them in the final job and posts matrix.md', () => {
    const upload = matrix.steps.find((s) => s.name === 'Upload the blob report')!;
    expect(upload.uses).toMatch(/^actions\/upload-artifact@v\d+$/);
    expect(upload.with).toMatchObject({ name: 'blob-report-${{ matrix.shard }}', path: 'nc-oauth-lab/reports/blob-report' });
    expect(upload.if).toBe('${{ !cancelled() }}');
    const download = merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    // Each shard's artifact in its own folder: blob files of different shards may share a name.
    expect(download.with).toEqual({ pattern: 'blob-report-*', path: 'nc-oauth-lab/all-blob-reports' });
    expect(cliCalls(merge)).toEqual([['matrix', 'merge', 'all-blob-reports/blob-report-*', '--out', 'reports/']]);
    const post = merge.steps.find((s) => s.name === 'Post matrix.md')!;
    expect(post.run).toContain('gh pr comment "$PR"');
    expect(post.run).toContain('--body-file reports/matrix.md');
    expect(post.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(merge.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    // The merge exits 1 on unexpected cells after writing the matrix: it is still uploaded and posted.
    expect(merge.steps.find((s) => s.name === 'Upload the matrix')!.if).toBe('${{ !cancelled() }}');
    expect(post.if).toBe('${{ !cancelled() }}');
  });

  describe('nightly (schedule)', () => {
    it('runs once a night with the defaults of workflow_call, since a scheduled run has no inputs', () => {
      expect(workflow.on.schedule).toHaveLength(1);
      expect(workflow.on.schedule![0]!.cron).toMatch(/^\d+ \d+ \* \* \*$/);
      const called = workflow.on['workflow_call']!.inputs;
      expect(plan.steps.find((s) => s.id === 'shards')!.env!['SHARDS']).toBe(`\${{ inputs.shards || ${String(called['shards']!.default)} }}`);
      const run = matrix.steps.find((s) => s.name?.startsWith('Run shard'))!;
      expect(run.env!['NEXTCLOUD']).toBe(`\${{ inputs.nextcloud || '${String(called['nextcloud']!.default)}' }}`);
      expect(run.env!['PATCH']).toBe(`\${{ inputs.patch || '${String(called['patch']!.default)}' }}`);
      // a scheduled run checks out this repository, like a run by hand
      for (const job of [matrix, merge]) expect(job.steps[0]!.with!['repository']).toContain("github.event_name == 'schedule'");
    });

    it('keeps the merged matrix.json as the run artifact the later nights read', () => {
      const upload = merge.steps.find((s) => s.name === 'Upload the matrix')!;
      expect(upload.with!['name']).toBe('matrix');
      expect(String(upload.with!['path'])).toContain('nc-oauth-lab/reports/matrix.json');
      expect(Number(upload.with!['retention-days'])).toBeGreaterThanOrEqual(30);
    });

    it('builds the history from this run and the nightly runs before it, only on schedule', () => {
      expect(history.needs).toBe('merge');
      expect(history.if).toBe("${{ !cancelled() && github.event_name == 'schedule' }}");
      expect(history.permissions).toEqual({ contents: 'read', actions: 'read' });
      const current = history.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
      expect(current.with).toEqual({ name: 'matrix', path: 'nc-oauth-lab/history/${{ github.run_id }}' });
      expect(cliCalls(history)).toEqual([['matrix', 'history', 'history/', '--out', 'reports/history', '|', 'tee', 'reports/history.txt']]);
      const upload = history.steps.find((s) => s.name === 'Upload the history')!;
      expect(upload.with!['name']).toBe('history');
      expect(String(upload.with!['path'])).toContain('history.html');
      expect(runs(history)).not.toMatch(/\$\{\{\s*inputs\./);
    });

    it("fetches the 29 previous nightly runs' matrix artifacts with the GitHub CLI, skipping a run without one", () => {
      const step = history.steps.find((s) => s.id === 'previous')!;
      expect(Number(step.env!['PREVIOUS']) + 1).toBe(30);
      const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-gha-'));
      try {
        // a fake gh: `run list` prints three run ids, `run download` makes the artifact folder (none for run 12)
        const bin = join(dir, 'bin');
        mkdirSync(bin);
        writeFileSync(
          join(bin, 'gh'),
          [
            '#!/bin/bash',
            'echo "$*" >> "$GH_LOG"',
            'if [ "$1 $2" = "run list" ]; then printf "13\\n12\\n11\\n"; exit 0; fi',
            'if [ "$1 $2" = "run download" ]; then [ "$3" = 12 ] && exit 1; d=${@: -1}; mkdir -p "$d"; echo "{}" > "$d/matrix.json"; exit 0; fi',
            'exit 2',
          ].join('\n'),
        );
        chmodSync(join(bin, 'gh'), 0o755);
        const output = join(dir, 'output');
        writeFileSync(output, '');
        const stdout = execFileSync('bash', ['-eo', 'pipefail', '-c', step.run!], {
          cwd: dir,
          env: { PATH: `${bin}:${process.env['PATH']}`, GH_LOG: join(dir, 'gh.log'), GITHUB_OUTPUT: output, REPO: 'o/nc-oauth-lab', RUN_ID: '14', PREVIOUS: step.env!['PREVIOUS']!, GH_TOKEN: 'x' },
        }).toString();
        const calls = readFileSync(join(dir, 'gh.log'), 'utf8').trim().split('\n');
        expect(calls[0]).toBe("run list --repo o/nc-oauth-lab --workflow matrix.yml --event schedule --status completed --limit 29 --json databaseId --jq .[].databaseId");
        expect(calls.slice(1)).toEqual(['13', '12', '11'].map((id) => `run download ${id} --repo o/nc-oauth-lab --name matrix --dir history/${id}`));
        expect(readdirSync(join(dir, 'history')).sort()).toEqual(['11', '13']);
        expect(stdout).toContain('run 12: no matrix artifact');
        expect(readFileSync(output, 'utf8')).toBe('previous=2\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('pins every action to a major version', () => {
    for (const job of Object.values(workflow.jobs)) for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^actions\/[a-z-]+@v\d+$/);
  });

  const matrixRun = findCommand(['matrix']);
  const hasRun = matrixRun?.run !== undefined && findCommand(['matrix', 'merge']) !== undefined;
  it.skipIf(!hasRun)('uses only options the CLI has (skipped until `nc-oauth-lab matrix` runs and `matrix merge` exist, issue 6)', () => {
    for (const call of [...cliCalls(matrix), ...cliCalls(merge), ...cliCalls(history)]) {
      const words = call.filter((w) => !w.startsWith('$') && !w.startsWith('"'));
      const spec = words[1] === 'merge' || words[1] === 'history' ? findCommand(['matrix', words[1]])! : matrixRun!;
      for (const flag of words.filter((w) => w.startsWith('--'))) expect(Object.keys(spec.options ?? {}), `${spec.name} ${flag}`).toContain(flag.slice(2));
    }
    expect(Object.keys(matrixRun!.options ?? {})).toContain('user-oidc-src');
  });
});
