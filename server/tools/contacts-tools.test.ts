import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '../mcp-server-factory.ts';
import { callOk, callTool, startServerStack, type ServerStack } from '../server-test-kit.ts';

interface Contact {
  id: string;
  uid: string;
  fullName: string;
  emails: string[];
  phones: string[];
  organization: string | null;
  note: string | null;
}

describe('contacts tools (against the Nextcloud double)', () => {
  let stack: ServerStack;
  let alice: Client;

  beforeAll(async () => {
    stack = await startServerStack();
    alice = await stack.connect(await stack.token('alice', { format: 'jwt' }));
  });
  afterAll(() => stack.stop());

  it('lists the address books of the caller', async () => {
    const { addressBooks } = await callOk<{ addressBooks: { id: string; displayName: string }[] }>(alice, 'addressbooks_list');
    expect(addressBooks).toContainEqual(expect.objectContaining({ id: 'contacts', displayName: 'Contacts' }));
  });

  it('creates, lists, finds and deletes contacts', async () => {
    const ada = await callOk<{ id: string; uid: string; etag: string | null }>(alice, 'contacts_create', {
      addressbook: 'contacts',
      fullName: 'Ada Lovelace',
      emails: ['ada@example.test'],
      phones: ['+44 20 7946 0000'],
      organization: 'Analytical Engines, Ltd.',
      note: 'first programmer; see notes',
    });
    expect(ada.id).toBe(`${ada.uid}.vcf`);
    await callOk(alice, 'contacts_create', { addressbook: 'contacts', fullName: 'Charles Babbage', emails: ['charles@example.test'] });

    const all = await callOk<{ contacts: Contact[]; truncated: boolean }>(alice, 'contacts_list', { addressbook: 'contacts' });
    expect(all.truncated).toBe(false);
    expect(all.contacts.map((c) => c.fullName)).toEqual(['Ada Lovelace', 'Charles Babbage']);
    expect(all.contacts[0]).toMatchObject({ id: ada.id, uid: ada.uid, emails: ['ada@example.test'], phones: ['+44 20 7946 0000'], organization: 'Analytical Engines, Ltd.', note: 'first programmer; see notes' });

    const found = await callOk<{ contacts: Contact[] }>(alice, 'contacts_list', { addressbook: 'contacts', query: 'lovelace' });
    expect(found.contacts.map((c) => c.fullName)).toEqual(['Ada Lovelace']);
    const byMail = await callOk<{ contacts: Contact[] }>(alice, 'contacts_list', { addressbook: 'contacts', query: 'charles@' });
    expect(byMail.contacts.map((c) => c.fullName)).toEqual(['Charles Babbage']);
    const limited = await callOk<{ contacts: Contact[]; truncated: boolean }>(alice, 'contacts_list', { addressbook: 'contacts', limit: 1 });
    expect(limited).toMatchObject({ truncated: true, contacts: [expect.objectContaining({ fullName: 'Ada Lovelace' })] });

    expect(await callOk(alice, 'contacts_delete', { addressbook: 'contacts', id: ada.id })).toEqual({ id: ada.id, deleted: true });
    expect((await callOk<{ contacts: Contact[] }>(alice, 'contacts_list', { addressbook: 'contacts' })).contacts.map((c) => c.fullName)).toEqual(['Charles Babbage']);
    const again = await callTool(alice, 'contacts_delete', { addressbook: 'contacts', id: ada.id });
    expect(again.isError).toBe(true);
    expect(again._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
  });

  it('reports bad input and unknown address books as tool errors', async () => {
    const badMail = await callTool(alice, 'contacts_create', { addressbook: 'contacts', fullName: 'X', emails: ['not-an-email'] });
    expect(badMail.isError).toBe(true);
    expect(badMail.text).toMatch(/email/i);
    expect((await callTool(alice, 'contacts_delete', { addressbook: 'contacts', id: '../x.vcf' })).text).toMatch(/not a valid name/);
    const unknown = await callTool(alice, 'contacts_list', { addressbook: 'nope' });
    expect(unknown.isError).toBe(true);
    expect(unknown._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
    const create = await callTool(alice, 'contacts_create', { addressbook: 'nope', fullName: 'X' });
    expect(create.isError).toBe(true);
    expect(create._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'ERR_NEXTCLOUD_HTTP' });
  });
});
