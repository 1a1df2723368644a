import type { TestDetails, TestInfo } from '@playwright/test';
import { isCheckId, type CheckId } from './checks.ts';
import { redactSecrets, redactText } from './redact-secrets.ts';

/** Name of the attachment that carries one check record (JSON body, so it survives blob reports and merge-reports). */
export const CHECK_ATTACHMENT = 'nc-oauth-lab-check';

/** Type of the test annotation that declares a check a test records (see `withChecks`). */
export const CHECK_ANNOTATION = 'nc-oauth-lab-check';

/** Version of the record body; the reporter refuses bodies of another version. */
export const CHECK_RECORD_VERSION = 1;

/** What a scenario saw when it made a check. */
export interface CheckObservation {
  /** HTTP status (or MCP/JSON-RPC code) that decided the check. */
  status?: number;
  /** The message Nextcloud or the MCP server gave (for example "CORS requires basic auth"). */
  message?: string;
  /** Any other JSON data worth showing; secrets are redacted before it is stored. */
  detail?: unknown;
}

/** One observation of a check, as a scenario records it. */
export interface CheckRecord {
  id: CheckId;
  passed: boolean;
  observed: CheckObservation;
  /** True when the check could not be measured on the instance (an app it needs is absent); `observed.message` says why. */
  skipped?: boolean;
}

/** The JSON body of a check attachment. */
export interface CheckRecordBody extends CheckRecord {
  v: typeof CHECK_RECORD_VERSION;
}

/** A scenario recorded a check the catalogue does not know, or a malformed record. */
export class CheckRecordError extends Error {
  readonly code: 'ERR_UNKNOWN_CHECK' | 'ERR_CHECK_RECORD';
  constructor(code: CheckRecordError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckRecordError';
    this.code = code;
  }
}

const MAX_MESSAGE = 2000;
const MAX_DETAIL = 20_000;

/** Checks and normalises a record: known id, boolean `passed`, integer status, secrets redacted, sizes bounded. */
export function normaliseCheckRecord(record: { id: string; passed: boolean; observed?: CheckObservation; skipped?: boolean }): CheckRecordBody {
  if (!isCheckId(record.id)) {
    throw new CheckRecordError('ERR_UNKNOWN_CHECK', `unknown check id '${record.id}': add it to scenarios/checks.ts or use a catalogue id`);
  }
  if (typeof record.passed !== 'boolean') throw new CheckRecordError('ERR_CHECK_RECORD', `check ${record.id}: passed must be true or false`);
  const observed: CheckObservation = {};
  const o = record.observed ?? {};
  if (o.status !== undefined) {
    if (!Number.isInteger(o.status)) throw new CheckRecordError('ERR_CHECK_RECORD', `check ${record.id}: observed.status must be an integer`);
    observed.status = o.status;
  }
  if (o.message !== undefined) observed.message = redactText(String(o.message)).slice(0, MAX_MESSAGE);
  if (o.detail !== undefined) {
    let text: string;
    try {
      text = JSON.stringify(redactSecrets(o.detail));
    } catch (error) {
      throw new CheckRecordError('ERR_CHECK_RECORD', `check ${record.id}: observed.detail is not JSON data`, { cause: error });
    }
    observed.detail = text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}… (truncated)` : JSON.parse(text);
  }
  if (record.skipped !== undefined && typeof record.skipped !== 'boolean') throw new CheckRecordError('ERR_CHECK_RECORD', `check ${record.id}: skipped must be true or false`);
  if (record.skipped && !observed.message) throw new CheckRecordError('ERR_CHECK_RECORD', `check ${record.id}: a skipped check needs observed.message saying why it was not measured`);
  return { v: CHECK_RECORD_VERSION, id: record.id, passed: record.skipped ? false : record.passed, observed, ...(record.skipped ? { skipped: true } : {}) };
}

/**
 * Records one observation of a check for the running test's variant, as a JSON attachment named
 * `nc-oauth-lab-check` that the matrix reporter collects (live and after `merge-reports`). The same id is
 * recorded whether the check passes or fails; a failing check never fails the test itself: the matrix
 * classifies it against the expectations data. Throws a CheckRecordError for an id outside the catalogue
 * (a scenario bug, which then shows as an `error` cell).
 */
export async function recordCheck(testInfo: TestInfo, record: { id: CheckId; passed: boolean; observed?: CheckObservation }): Promise<void> {
  const body = normaliseCheckRecord(record);
  await testInfo.attach(CHECK_ATTACHMENT, { body: JSON.stringify(body), contentType: 'application/json' });
}

/**
 * Records that a check could not be measured on this instance, with the reason (`Deck is not installed ...`):
 * its cell is `skipped` with that reason, never a pass or a fail.
 */
export async function recordSkippedCheck(testInfo: TestInfo, id: CheckId, reason: string): Promise<void> {
  const body = normaliseCheckRecord({ id, passed: false, skipped: true, observed: { message: reason } });
  await testInfo.attach(CHECK_ATTACHMENT, { body: JSON.stringify(body), contentType: 'application/json' });
}

/**
 * Test details declaring the checks a test records:
 * `test('notes with bearer', withChecks('bearer.notes.get', 'bearer.notes.post'), async ({}, testInfo) => ...)`.
 * A declared check that the test never records becomes an `error` cell (the procedure failed before it)
 * or a `skipped` cell (the test was skipped).
 */
export function withChecks(...ids: CheckId[]): TestDetails {
  for (const id of ids) {
    if (!isCheckId(id)) throw new CheckRecordError('ERR_UNKNOWN_CHECK', `unknown check id '${id}': add it to scenarios/checks.ts or use a catalogue id`);
  }
  return { annotation: ids.map((id) => ({ type: CHECK_ANNOTATION, description: id })) };
}

/** Declares checks at run time, for tests whose check ids are computed (same effect as `withChecks`). */
export function declareChecks(testInfo: TestInfo, ...ids: CheckId[]): void {
  for (const id of ids) {
    if (!isCheckId(id)) throw new CheckRecordError('ERR_UNKNOWN_CHECK', `unknown check id '${id}': add it to scenarios/checks.ts or use a catalogue id`);
    testInfo.annotations.push({ type: CHECK_ANNOTATION, description: id });
  }
}
