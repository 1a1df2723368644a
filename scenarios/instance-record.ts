import type { TestInfo } from '@playwright/test';

/** Name of the attachment that carries what a test's worker found on its instance (JSON body, like check records). */
export const INSTANCE_ATTACHMENT = 'nc-oauth-lab-instance';

/** What a worker found on its instance that matrix.json records on the variant. */
export interface InstanceRecord {
  v: 1;
  /** Versions of the apps the checks use (app id -> version), null when absent or disabled. */
  apps: Record<string, string | null>;
  /** The exact Nextcloud release of a real instance (`32.0.1`), for the variant's key; absent for the double, which plays a major. */
  nextcloudVersion?: string;
}

/** Attaches the instance record to the running test, so the reporter (live or after merge-reports) can put it on the variant. */
export async function recordInstance(testInfo: TestInfo, record: Omit<InstanceRecord, 'v'>): Promise<void> {
  const body: InstanceRecord = { v: 1, apps: { ...record.apps }, ...(record.nextcloudVersion ? { nextcloudVersion: record.nextcloudVersion } : {}) };
  await testInfo.attach(INSTANCE_ATTACHMENT, { body: JSON.stringify(body), contentType: 'application/json' });
}

/** Reads an instance record's body; undefined for a body of another version or shape. */
export function parseInstanceRecord(body: string): InstanceRecord | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<InstanceRecord>;
    if (parsed.v !== 1 || !parsed.apps || typeof parsed.apps !== 'object') return undefined;
    const apps = Object.fromEntries(Object.entries(parsed.apps).filter(([, v]) => v === null || typeof v === 'string')) as Record<string, string | null>;
    return { v: 1, apps, ...(typeof parsed.nextcloudVersion === 'string' ? { nextcloudVersion: parsed.nextcloudVersion } : {}) };
  } catch {
    return undefined;
  }
}
