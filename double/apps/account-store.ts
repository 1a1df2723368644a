import type { DoubleState, DoubleUser } from '../double-state.ts';

/** What core keeps about an account besides the user itself (`oc_preferences`, `oc_accounts`). */
export interface AccountRecord {
  /** Seconds since the epoch of the first and last login, 0 before the first. */
  firstLogin: number;
  lastLogin: number;
  /** `none` (unlimited) or a size such as `5 GB`. */
  quota: string;
  language: string;
  locale: string;
  timezone: string;
  /** Profile properties of `oc_accounts` (phone, address, website, ...). */
  properties: Record<string, string>;
}

/** Account data of the double's users, per user. */
export class AccountStore {
  private readonly records = new Map<string, AccountRecord>();

  constructor(private readonly state: DoubleState) {}

  /** The record of a user, created with core's defaults on first use. */
  get(uid: string): AccountRecord {
    let record = this.records.get(uid);
    if (!record) this.records.set(uid, (record = { firstLogin: 0, lastLogin: 0, quota: 'none', language: 'en', locale: '', timezone: '', properties: {} }));
    return record;
  }

  /** `IUser::updateLastLoginTimestamp()`: called whenever a request logs a user in. */
  touchLogin(user: DoubleUser): void {
    const record = this.get(user.uid);
    const now = Math.floor(this.state.now() / 1000);
    if (record.firstLogin === 0) record.firstLogin = now;
    record.lastLogin = now;
  }

  /** Forgets a deleted user. */
  delete(uid: string): void {
    this.records.delete(uid);
  }
}

/** The AccountStore of a double. */
export function accountStore(state: DoubleState): AccountStore {
  return state.store('accounts', () => new AccountStore(state));
}
