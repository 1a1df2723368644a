import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { describeLint, lintPatchedPhp, lintPhp } from './lint-php.ts';

const HAS_PHP = spawnSync('php', ['--version'], { stdio: 'ignore' }).status === 0;

describe('php -l', () => {
  it('is reported as skipped, never passed, when php is not found', async () => {
    const result = await lintPhp('<?php echo 1;', { php: '/nonexistent/php' });
    expect(result).toEqual({ status: 'skipped', reason: 'php not found (/nonexistent/php)' });
    expect(describeLint(result)).toBe('php -l: skipped: php not found (/nonexistent/php)');
  });

  it.skipIf(!HAS_PHP)('passes valid PHP and fails broken PHP with its message', async () => {
    expect(await lintPhp('<?php\necho 1;\n')).toEqual({ status: 'passed', php: expect.stringMatching(/^\d+\.\d+/) });
    const failed = await lintPhp('<?php\necho 1\n');
    expect(failed).toMatchObject({ status: 'failed', message: expect.stringMatching(/syntax error/) });
  });

  it.skipIf(!HAS_PHP)('skips (not fails) when the original does not pass on this PHP either', async () => {
    expect(await lintPatchedPhp('<?php\necho 1\n', '<?php\necho 2\n')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^the original file does not pass php -l on PHP /) });
    expect(await lintPatchedPhp('<?php\necho 1;\n', '<?php\necho 2\n')).toMatchObject({ status: 'failed' });
  });
});
