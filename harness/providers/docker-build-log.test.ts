import { describe, expect, it } from 'vitest';
import { BuildLog } from './docker-build-log.ts';

// BuildKit's build stream carries its progress as base64 protobuf StatusResponse messages (moby/buildkit
// api/services/control: 1 vertexes, 3 logs). These tests encode such messages by hand.

const varint = (n: number): Buffer => {
  const bytes: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
};
const field = (no: number, value: Buffer | string): Buffer => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
};
const intField = (no: number, value: number): Buffer => Buffer.concat([varint(no * 8), varint(value)]);
const vertex = (digest: string, name: string, error?: string): Buffer => field(1, Buffer.concat([field(1, digest), field(3, name), ...(error ? [field(7, error)] : [])]));
const log = (digest: string, msg: string, stream = 2): Buffer => field(3, Buffer.concat([field(1, digest), intField(3, stream), field(4, msg)]));
const trace = (...parts: Buffer[]): { id: string; aux: string } => ({ id: 'moby.buildkit.trace', aux: Buffer.concat(parts).toString('base64') });

describe('BuildLog', () => {
  it('names the failing BuildKit step and its last log lines', () => {
    const b = new BuildLog();
    b.push(trace(vertex('sha256:a', '[build-tools 1/2] COPY docker/nextcloud/build/ /opt/nc-oauth-lab-build/')));
    b.push(trace(vertex('sha256:b', '[deck-source-release 1/1] RUN /opt/nc-oauth-lab-build/fetch-release.sh deck "$DECK_VERSION" "$DECK_RELEASE_URL" /out "$RELEASE_MIRROR"')));
    b.push(trace(log('sha256:b', 'nc-oauth-lab: downloading deck 1.16.7 from http://mirror.invalid/deck-v1.16.7.tar.gz\n', 1)));
    b.push(trace(log('sha256:b', 'nc-oauth-lab: checking\n')));
    b.push(trace(log('sha256:b', 'nc-oauth-lab: download of deck 1.16.7 from http://mirror.invalid/deck-v1.16.7.tar.gz failed: curl: (6) Could not resolve host: mirror.invalid\n')));
    b.push(trace(vertex('sha256:b', '[deck-source-release 1/1] RUN /opt/nc-oauth-lab-build/fetch-release.sh deck "$DECK_VERSION" "$DECK_RELEASE_URL" /out "$RELEASE_MIRROR"', 'process "/bin/sh -c ..." did not complete successfully: exit code: 1')));
    b.push(trace(vertex('sha256:c', '[notes-source-release 1/1] RUN ...', 'context canceled')));
    b.push({ errorDetail: { message: 'process "/bin/sh -c /opt/nc-oauth-lab-build/fetch-release.sh deck ..." did not complete successfully: exit code: 1' } });
    expect(b.engineError).toMatch(/exit code: 1$/);
    expect(b.failedStep()?.name).toMatch(/^\[deck-source-release 1\/1\] RUN/);
    expect(b.failedStep()?.log).toContain('nc-oauth-lab: downloading deck');
    expect(b.failureSummary(2)).toBe(
      'step [deck-source-release 1/1] RUN /opt/nc-oauth-lab-build/fetch-release.sh deck "$DECK_VERSION" "$DECK_RELEASE_URL" /out "$RELEASE_MIRROR" failed: ' +
        'nc-oauth-lab: checking | nc-oauth-lab: download of deck 1.16.7 from http://mirror.invalid/deck-v1.16.7.tar.gz failed: curl: (6) Could not resolve host: mirror.invalid',
    );
  });

  it("reads the classic builder's steps, and falls back to the engine's error when no step failed", () => {
    const classic = new BuildLog();
    classic.push({ stream: 'Step 1/3 : FROM node:20 AS requires-buildkit\n' });
    classic.push({ stream: ' ---> 1234\n' });
    classic.push({ stream: 'Step 2/3 : RUN echo "nc-oauth-lab: needs BuildKit" >&2 && exit 1\n' });
    classic.push({ stream: ' ---> Running in 5678\n' });
    classic.push({ stream: 'nc-oauth-lab: docker/nextcloud/Dockerfile needs BuildKit\n' });
    classic.push({ error: "The command '/bin/sh -c echo ...' returned a non-zero code: 1", errorDetail: { message: "The command '/bin/sh -c echo ...' returned a non-zero code: 1" } });
    expect(classic.failureSummary()).toBe('step RUN echo "nc-oauth-lab: needs BuildKit" >&2 && exit 1 failed: nc-oauth-lab: docker/nextcloud/Dockerfile needs BuildKit');

    const missing = new BuildLog();
    missing.push({ id: 'moby.buildkit.trace', aux: 'not protobuf!' });
    missing.push({ errorDetail: { message: 'failed to solve with frontend dockerfile.v0: failed to create LLB definition: pull access denied, repository does not exist or may require authorization' } });
    expect(missing.failureSummary()).toBe('failed to solve with frontend dockerfile.v0: failed to create LLB definition: pull access denied, repository does not exist or may require authorization');
  });
});
