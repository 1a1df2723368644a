import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { z } from 'zod';
import type { NextcloudClient } from '../nextcloud-client.ts';
import { davSegment, encodePathSegments } from './dav-path.ts';
import { DAV_NAMESPACES, davQuery, hasResourceType, lastSegment, propText } from './dav-multistatus.ts';
import { defineTool, type ToolDefinition } from './tool-definition.ts';

/** The caller's address book home (CardDAV, RFC 6352). */
function addressBookHome(nc: NextcloudClient): string {
  return `/remote.php/dav/addressbooks/users/${encodeURIComponent(nc.uid)}/`;
}

function addressBookPath(nc: NextcloudClient, addressbook: string): string {
  return `${addressBookHome(nc)}${encodePathSegments(davSegment(addressbook, 'address book'))}/`;
}

const contactShape = z.object({
  id: z.string().describe('The contact object name (for contacts_delete).'),
  etag: z.string().nullable(),
  uid: z.string(),
  fullName: z.string(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  organization: z.string().nullable(),
  note: z.string().nullable(),
});
type ContactOut = z.infer<typeof contactShape>;

function values(card: ICAL.Component, name: string): string[] {
  return card
    .getAllProperties(name)
    .map((p) => p.getFirstValue())
    .filter((v): v is string => typeof v === 'string' && v !== '');
}

/** A vCard (3.0 or 4.0) as this server shows it. */
function contactOf(vcard: string, id: string, etag: string | null): ContactOut {
  const card = new ICAL.Component(ICAL.parse(vcard));
  const org = card.getFirstProperty('org')?.getValues().flat().filter((v): v is string => typeof v === 'string' && v !== '') ?? [];
  const note = card.getFirstPropertyValue('note');
  return {
    id,
    etag,
    uid: String(card.getFirstPropertyValue('uid') ?? ''),
    fullName: String(card.getFirstPropertyValue('fn') ?? ''),
    emails: values(card, 'email'),
    phones: values(card, 'tel'),
    organization: org.length > 0 ? org.join(', ') : null,
    note: typeof note === 'string' ? note : null,
  };
}

/** `addressbooks_list`: the caller's address books (PROPFIND Depth 1 on the address book home). */
export const addressBooksListTool = defineTool({
  name: 'addressbooks_list',
  title: 'List address books',
  description: 'List your address books.',
  access: 'read',
  input: {},
  output: { addressBooks: z.array(z.object({ id: z.string(), displayName: z.string(), ctag: z.string().nullable() })) },
  async run({ nextcloud }) {
    const body = `<?xml version="1.0" encoding="utf-8"?><d:propfind ${DAV_NAMESPACES}><d:prop><d:resourcetype/><d:displayname/><cs:getctag/></d:prop></d:propfind>`;
    const resources = await davQuery(nextcloud, 'PROPFIND', addressBookHome(nextcloud), '1', body);
    return {
      addressBooks: resources
        .filter((r) => hasResourceType(r.props['resourcetype'], 'addressbook'))
        .map((r) => ({ id: lastSegment(r.href), displayName: propText(r.props['displayname']) ?? lastSegment(r.href), ctag: propText(r.props['getctag']) ?? null })),
    };
  },
});

/** `contacts_list`: the contacts of an address book (REPORT addressbook-query, RFC 6352 §8.6), optionally matching a text. */
export const contactsListTool = defineTool({
  name: 'contacts_list',
  title: 'List contacts',
  description: 'List the contacts of an address book; with query, only those whose name, email or phone contains it.',
  access: 'read',
  input: {
    addressbook: z.string().min(1).describe('Address book id from addressbooks_list.'),
    query: z.string().min(1).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  },
  output: { contacts: z.array(contactShape), truncated: z.boolean() },
  async run({ nextcloud }, args) {
    const match = (prop: string): string =>
      `<card:prop-filter name="${prop}"><card:text-match collation="i;unicode-casemap" match-type="contains">${escapeXml(args.query ?? '')}</card:text-match></card:prop-filter>`;
    const filter = args.query ? `<card:filter test="anyof">${['FN', 'EMAIL', 'TEL'].map(match).join('')}</card:filter>` : '<card:filter/>';
    const body = `<?xml version="1.0" encoding="utf-8"?><card:addressbook-query ${DAV_NAMESPACES}><d:prop><d:getetag/><card:address-data/></d:prop>${filter}</card:addressbook-query>`;
    const resources = await davQuery(nextcloud, 'REPORT', addressBookPath(nextcloud, args.addressbook), '1', body);
    const contacts: ContactOut[] = [];
    for (const r of resources) {
      const data = propText(r.props['address-data']);
      if (!data) continue;
      contacts.push(contactOf(data, lastSegment(r.href), propText(r.props['getetag'])?.replace(/^"|"$/g, '') ?? null));
    }
    contacts.sort((a, b) => a.fullName.localeCompare(b.fullName));
    return { contacts: contacts.slice(0, args.limit), truncated: contacts.length > args.limit };
  },
});

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `contacts_create`: a new contact (PUT of a vCard 3.0 with `If-None-Match: *`). */
export const contactsCreateTool = defineTool({
  name: 'contacts_create',
  title: 'Create a contact',
  description: 'Create a contact in an address book.',
  access: 'write',
  input: {
    addressbook: z.string().min(1),
    fullName: z.string().min(1),
    emails: z.array(z.string().email()).default([]),
    phones: z.array(z.string().min(1)).default([]),
    organization: z.string().optional(),
    note: z.string().optional(),
  },
  output: { id: z.string(), uid: z.string(), etag: z.string().nullable() },
  async run({ nextcloud }, args) {
    const uid = randomUUID();
    const id = `${uid}.vcf`;
    const card = new ICAL.Component(['vcard', [], []]);
    card.updatePropertyWithValue('version', '3.0');
    card.updatePropertyWithValue('prodid', '-//nc-oauth-lab//MCP server//EN');
    card.updatePropertyWithValue('uid', uid);
    card.updatePropertyWithValue('fn', args.fullName);
    const words = args.fullName.trim().split(/\s+/);
    const n = new ICAL.Property('n');
    n.setValue(words.length > 1 ? [words[words.length - 1]!, words.slice(0, -1).join(' '), '', '', ''] : [words[0] ?? '', '', '', '', '']);
    card.addProperty(n);
    for (const email of args.emails) card.addPropertyWithValue('email', email).setParameter('type', 'INTERNET');
    for (const phone of args.phones) card.addPropertyWithValue('tel', phone);
    if (args.organization) card.updatePropertyWithValue('org', args.organization);
    if (args.note) card.updatePropertyWithValue('note', args.note);
    const res = await nextcloud.request({
      method: 'PUT',
      path: `${addressBookPath(nextcloud, args.addressbook)}${encodeURIComponent(id)}`,
      api: 'dav',
      headers: { 'Content-Type': 'text/vcard; charset=utf-8', 'If-None-Match': '*' },
      body: card.toString(),
    });
    return { id, uid, etag: res.headers.get('etag')?.replace(/^"|"$/g, '') ?? null };
  },
});

/** `contacts_delete`: deletes a contact. */
export const contactsDeleteTool = defineTool({
  name: 'contacts_delete',
  title: 'Delete a contact',
  description: 'Delete a contact from an address book.',
  access: 'write',
  annotations: { destructiveHint: true },
  input: { addressbook: z.string().min(1), id: z.string().min(1).describe('The contact id from contacts_list.'), etag: z.string().min(1).optional() },
  output: { id: z.string(), deleted: z.boolean() },
  async run({ nextcloud }, args) {
    await nextcloud.request({
      method: 'DELETE',
      path: `${addressBookPath(nextcloud, args.addressbook)}${encodeURIComponent(davSegment(args.id, 'contact id'))}`,
      api: 'dav',
      headers: args.etag ? { 'If-Match': `"${args.etag.replace(/^"|"$/g, '')}"` } : {},
    });
    return { id: args.id, deleted: true };
  },
});

/** The contacts tools. */
export const CONTACTS_TOOLS: readonly ToolDefinition[] = [addressBooksListTool, contactsListTool, contactsCreateTool, contactsDeleteTool];
