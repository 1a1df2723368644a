import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '../mcp-server-factory.ts';
import { callOk, callTool, startServerStack, type ServerStack } from '../server-test-kit.ts';

interface Event {
  id: string;
  etag: string | null;
  uid: string;
  summary: string;
  start: string;
  end: string | null;
  allDay: boolean;
  location: string | null;
  description: string | null;
  recurring: boolean;
}

const WEEKLY = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//test//EN',
  'BEGIN:VEVENT',
  'UID:weekly-standup',
  'DTSTAMP:20260101T000000Z',
  'DTSTART:20260105T090000Z',
  'DTEND:20260105T091500Z',
  'RRULE:FREQ=WEEKLY;COUNT=10',
  'SUMMARY:Standup',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('calendar tools (against the Nextcloud double)', () => {
  let stack: ServerStack;
  let alice: Client;

  beforeAll(async () => {
    stack = await startServerStack();
    alice = await stack.connect(await stack.token('alice'));
  });
  afterAll(() => stack.stop());

  it('lists the calendars of the caller', async () => {
    const { calendars } = await callOk<{ calendars: { id: string; displayName: string; components: string[] }[] }>(alice, 'calendars_list');
    expect(calendars).toContainEqual(expect.objectContaining({ id: 'personal', displayName: 'Personal', components: expect.arrayContaining(['VEVENT']) }));
  });

  it('creates, lists by time range, updates and deletes events', async () => {
    const timed = await callOk<{ id: string; uid: string; etag: string | null }>(alice, 'events_create', {
      calendar: 'personal',
      summary: 'Review, with "quotes"; and commas',
      start: '2026-03-10T14:00:00Z',
      end: '2026-03-10T15:30:00Z',
      location: 'Room 4',
    });
    expect(timed.id).toBe(`${timed.uid}.ics`);
    expect(timed.etag).toEqual(expect.any(String));
    const allDay = await callOk<{ id: string }>(alice, 'events_create', { calendar: 'personal', summary: 'Holiday', start: '2026-03-12' });

    const march = await callOk<{ events: Event[] }>(alice, 'events_list', { calendar: 'personal', from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' });
    expect(march.events).toEqual([
      expect.objectContaining({ id: timed.id, summary: 'Review, with "quotes"; and commas', start: '2026-03-10T14:00:00.000Z', end: '2026-03-10T15:30:00.000Z', allDay: false, location: 'Room 4', recurring: false }),
      expect.objectContaining({ id: allDay.id, summary: 'Holiday', start: '2026-03-12', end: '2026-03-13', allDay: true }),
    ]);
    const april = await callOk<{ events: Event[] }>(alice, 'events_list', { calendar: 'personal', from: '2026-04-01T00:00:00Z', to: '2026-05-01T00:00:00Z' });
    expect(april.events).toEqual([]);

    const current = march.events[0]!;
    const updated = await callOk<{ etag: string | null }>(alice, 'events_update', { calendar: 'personal', id: timed.id, etag: current.etag, summary: 'Review (moved)', start: '2026-04-02T10:00:00Z', location: '' });
    expect(updated.etag).not.toBe(current.etag);
    const moved = await callOk<{ events: Event[] }>(alice, 'events_list', { calendar: 'personal', from: '2026-04-01T00:00:00Z', to: '2026-05-01T00:00:00Z' });
    expect(moved.events).toEqual([expect.objectContaining({ id: timed.id, summary: 'Review (moved)', start: '2026-04-02T10:00:00.000Z', end: '2026-04-02T11:00:00.000Z', location: null })]);

    const stale = await callTool(alice, 'events_update', { calendar: 'personal', id: timed.id, etag: current.etag, summary: 'lost update' });
    expect(stale.isError).toBe(true);
    expect(stale.text).toMatch(/changed since etag/);
    expect(stale._meta?.[ERROR_META_KEY]).toMatchObject({ status: 412 });

    expect(await callOk(alice, 'events_delete', { calendar: 'personal', id: timed.id })).toEqual({ id: timed.id, deleted: true });
    const again = await callTool(alice, 'events_delete', { calendar: 'personal', id: timed.id });
    expect(again.isError).toBe(true);
    expect(again._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
  });

  it('expands recurring events into their occurrences in the range', async () => {
    const basic = Buffer.from('alice:alice-password').toString('base64');
    const put = await fetch(`${stack.double.url}/remote.php/dav/calendars/alice/personal/weekly-standup.ics`, { method: 'PUT', headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'text/calendar' }, body: WEEKLY });
    expect(put.status).toBe(201);
    const { events } = await callOk<{ events: Event[] }>(alice, 'events_list', { calendar: 'personal', from: '2026-01-10T00:00:00Z', to: '2026-01-31T00:00:00Z' });
    expect(events.map((e) => [e.summary, e.start, e.recurring])).toEqual([
      ['Standup', '2026-01-12T09:00:00.000Z', true],
      ['Standup', '2026-01-19T09:00:00.000Z', true],
      ['Standup', '2026-01-26T09:00:00.000Z', true],
    ]);
  });

  it('reports bad input and unknown calendars as tool errors', async () => {
    expect((await callTool(alice, 'events_create', { calendar: 'personal', summary: 'x', start: 'next tuesday' })).text).toMatch(/not an ISO 8601/);
    expect((await callTool(alice, 'events_create', { calendar: 'personal', summary: 'x', start: '2026-03-10T14:00:00Z', end: '2026-03-10T13:00:00Z' })).text).toBe('end must be after start');
    expect((await callTool(alice, 'events_create', { calendar: 'personal', summary: 'x', start: '2026-03-10', end: '2026-03-11T10:00:00Z' })).text).toMatch(/both be dates/);
    expect((await callTool(alice, 'events_list', { calendar: 'personal', from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).text).toBe('to must be after from');
    expect((await callTool(alice, 'events_list', { calendar: '../bob', from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' })).text).toMatch(/not a valid name/);
    expect((await callTool(alice, 'events_update', { calendar: 'personal', id: 'x.ics' })).text).toMatch(/needs at least one/);
    const unknown = await callTool(alice, 'events_list', { calendar: 'no-such-calendar', from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' });
    expect(unknown.isError).toBe(true);
    expect(unknown._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
    const missing = await callTool(alice, 'events_update', { calendar: 'personal', id: 'missing.ics', summary: 'x' });
    expect(missing._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
  });
});
