import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '../mcp-server-factory.ts';
import { callOk, callTool, startServerStack, type ServerStack } from '../server-test-kit.ts';
import { normalizeUserPath } from './dav-path.ts';

interface Entry {
  path: string;
  name: string;
  type: 'file' | 'directory';
  size: number;
}

describe('normalizeUserPath', () => {
  it('normalises slashes and dots and refuses to leave the root', () => {
    expect(normalizeUserPath('')).toBe('/');
    expect(normalizeUserPath('/')).toBe('/');
    expect(normalizeUserPath('Documents//./notes.md')).toBe('/Documents/notes.md');
    expect(normalizeUserPath('/a/b/')).toBe('/a/b');
    expect(() => normalizeUserPath('/a/../../etc/passwd')).toThrow(/'\.\.' is not allowed/);
    expect(() => normalizeUserPath('..')).toThrow(/'\.\.' is not allowed/);
    expect(() => normalizeUserPath('a\\b')).toThrow(/not a path separator/);
    expect(() => normalizeUserPath('a\u0000b')).toThrow(/control characters/);
  });
});

describe('files tools (against the Nextcloud double)', () => {
  let stack: ServerStack;
  let alice: Client;

  beforeAll(async () => {
    stack = await startServerStack();
    alice = await stack.connect(await stack.token('alice', { format: 'jwt' }));
  });
  afterAll(() => stack.stop());

  it('creates folders, writes, lists, reads, moves and deletes files', async () => {
    expect(await callOk(alice, 'files_mkdir', { path: '/Projects' })).toEqual({ path: '/Projects' });
    expect(await callOk(alice, 'files_mkdir', { path: 'Projects/2026/q1', recursive: true })).toEqual({ path: '/Projects/2026/q1' });
    expect(await callOk(alice, 'files_write', { path: '/Projects/plan.md', content: '# Plan\nüñí' })).toEqual({ path: '/Projects/plan.md', size: Buffer.byteLength('# Plan\nüñí') });

    const listed = await callOk<{ path: string; entries: Entry[] }>(alice, 'files_list', { path: '/Projects' });
    expect(listed.path).toBe('/Projects');
    expect(listed.entries.map((e) => [e.path, e.type]).sort()).toEqual([
      ['/Projects/2026', 'directory'],
      ['/Projects/plan.md', 'file'],
    ]);
    expect(listed.entries.find((e) => e.name === 'plan.md')).toMatchObject({ size: Buffer.byteLength('# Plan\nüñí'), contentType: 'text/markdown' });
    const root = await callOk<{ entries: Entry[] }>(alice, 'files_list', {});
    expect(root.entries.map((e) => e.path)).toContain('/Projects');

    const read = await callOk(alice, 'files_read', { path: 'Projects/plan.md' });
    expect(read).toMatchObject({ path: '/Projects/plan.md', encoding: 'utf8', content: '# Plan\nüñí', truncated: false });

    expect(await callOk(alice, 'files_move', { from: '/Projects/plan.md', to: '/Projects/2026/plan.md' })).toEqual({ from: '/Projects/plan.md', to: '/Projects/2026/plan.md' });
    expect((await callOk<{ entries: Entry[] }>(alice, 'files_list', { path: '/Projects/2026' })).entries.map((e) => e.name).sort()).toEqual(['plan.md', 'q1']);

    expect(await callOk(alice, 'files_delete', { path: '/Projects' })).toEqual({ path: '/Projects', deleted: true });
    const gone = await callTool(alice, 'files_list', { path: '/Projects' });
    expect(gone.isError).toBe(true);
    expect(gone._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
  });

  it('reads binary files as base64 and cuts long files at maxBytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 0, 7]);
    await callOk(alice, 'files_write', { path: '/blob.bin', content: bytes.toString('base64'), encoding: 'base64' });
    const read = await callOk<{ encoding: string; content: string; size: number }>(alice, 'files_read', { path: '/blob.bin' });
    expect(read).toMatchObject({ encoding: 'base64', size: 8 });
    expect(Buffer.from(read.content, 'base64')).toEqual(bytes);
    await callOk(alice, 'files_write', { path: '/long.txt', content: 'x'.repeat(5000) });
    const cut = await callOk<{ content: string; truncated: boolean; size: number }>(alice, 'files_read', { path: '/long.txt', maxBytes: 100 });
    expect(cut).toMatchObject({ truncated: true, size: 5000 });
    expect(cut.content).toBe('x'.repeat(100));
  });

  it('keeps existing targets unless told to overwrite', async () => {
    await callOk(alice, 'files_write', { path: '/a.txt', content: 'A' });
    await callOk(alice, 'files_write', { path: '/b.txt', content: 'B' });
    const noOverwrite = await callTool(alice, 'files_write', { path: '/a.txt', content: 'A2', overwrite: false });
    expect(noOverwrite.isError).toBe(true);
    expect(noOverwrite._meta?.[ERROR_META_KEY]).toMatchObject({ status: 412 });
    const moveOnto = await callTool(alice, 'files_move', { from: '/a.txt', to: '/b.txt' });
    expect(moveOnto.isError).toBe(true);
    expect(moveOnto._meta?.[ERROR_META_KEY]).toMatchObject({ status: 412 });
    await callOk(alice, 'files_move', { from: '/a.txt', to: '/b.txt', overwrite: true });
    expect((await callOk<{ content: string }>(alice, 'files_read', { path: '/b.txt' })).content).toBe('A');
  });

  it('turns Nextcloud errors and bad paths into tool errors', async () => {
    const traversal = await callTool(alice, 'files_read', { path: '/../bob/secret.txt' });
    expect(traversal.isError).toBe(true);
    expect(traversal.text).toMatch(/'\.\.' is not allowed/);
    expect(traversal._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'ERR_TOOL_INPUT' });
    const missing = await callTool(alice, 'files_read', { path: '/no-such-file.txt' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/^Nextcloud answered 404 to PROPFIND \/remote\.php\/dav\/files\/alice\/no-such-file\.txt/);
    const noParent = await callTool(alice, 'files_write', { path: '/missing/dir/x.txt', content: 'x' });
    expect(noParent.isError).toBe(true);
    expect(noParent._meta?.[ERROR_META_KEY]).toMatchObject({ status: 409 });
    await callOk(alice, 'files_mkdir', { path: '/dup' });
    const dup = await callTool(alice, 'files_mkdir', { path: '/dup' });
    expect(dup.isError).toBe(true);
    expect(dup._meta?.[ERROR_META_KEY]).toMatchObject({ status: 405 });
    expect((await callTool(alice, 'files_delete', { path: '/' })).text).toBe('refusing to delete your root folder');
    expect((await callTool(alice, 'files_read', { path: '/Documents' })).text).toMatch(/is a folder: use files_list/);
    expect((await callTool(alice, 'files_move', { from: '/dup', to: '/dup/inner' })).text).toMatch(/into itself/);
    expect((await callTool(alice, 'files_write', { path: '/x.bin', content: '***', encoding: 'base64' })).text).toBe('content is not base64');
  });

  it("works in the caller's own tree only", async () => {
    const bob = await stack.connect(await stack.token('bob'));
    await callOk(alice, 'files_write', { path: '/alice-private.txt', content: 'mine' });
    expect((await callOk<{ entries: Entry[] }>(bob, 'files_list', {})).entries.map((e) => e.name)).not.toContain('alice-private.txt');
    const peek = await callTool(bob, 'files_read', { path: '/alice-private.txt' });
    expect(peek.isError).toBe(true);
    expect(peek._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
  });
});
