import { createHash, randomBytes } from 'node:crypto';
import type { DoubleState, DoubleUser } from '../double-state.ts';

/** Dead (custom) properties stored by PROPPATCH, keyed by Clark name, values as serialised inner XML. */
export type DeadProps = Map<string, string>;

/** A file of a user's home, as the file cache knows it. */
export interface FileEntry {
  kind: 'file';
  name: string;
  fileId: number;
  /** The bare ETag (13 hex characters, as `uniqid()`); `getetag` quotes it. */
  etag: string;
  /** Seconds since the epoch. */
  mtime: number;
  /** Seconds; 0 when unknown, as in `oc_filecache_extended`. */
  creationTime: number;
  uploadTime: number;
  mimetype: string;
  data: Buffer;
  favorite: boolean;
  props: DeadProps;
}

/** A folder of a user's home. */
export interface DirEntry {
  kind: 'dir';
  name: string;
  fileId: number;
  etag: string;
  mtime: number;
  creationTime: number;
  uploadTime: number;
  children: Map<string, Entry>;
  favorite: boolean;
  props: DeadProps;
}

/** A file or folder. */
export type Entry = FileEntry | DirEntry;

/** One entry of a collection's change log. */
export interface SyncChange {
  token: number;
  uri: string;
  deleted: boolean;
}

/** Records a change of a member and moves the collection's sync token on (CalDavBackend::addChange). */
export function recordChange(collection: { syncToken: number; changes: SyncChange[] }, uri: string, deleted: boolean): void {
  collection.changes.push({ token: collection.syncToken, uri, deleted });
  collection.syncToken += 1;
}

/** A calendar object (`{calendar}/{name}.ics`). */
export interface CalendarObject {
  uri: string;
  data: string;
  /** `"md5(data)"`, as CalDavBackend computes it. */
  etag: string;
  lastModified: number;
  uid: string;
  component: 'VEVENT' | 'VTODO' | 'VJOURNAL';
}

/** A calendar of a user. */
export interface CalendarCollection {
  id: number;
  uri: string;
  displayName: string;
  description?: string;
  color?: string;
  order?: number;
  timezone?: string;
  components: string[];
  /** Sabre's sync token; `http://sabre.io/ns/sync/{n}` is both `sync-token` and `getctag`. */
  syncToken: number;
  /** The change log behind `sync-collection` (RFC 6578): a change made at token `t` moved the token to `t + 1`. */
  changes: SyncChange[];
  objects: Map<string, CalendarObject>;
  props: DeadProps;
}

/** A vCard (`{addressbook}/{name}.vcf`). */
export interface CardObject {
  uri: string;
  data: string;
  etag: string;
  lastModified: number;
  uid: string;
}

/** An address book of a user. */
export interface AddressBookCollection {
  id: number;
  uri: string;
  displayName: string;
  description?: string;
  syncToken: number;
  changes: SyncChange[];
  cards: Map<string, CardObject>;
  props: DeadProps;
}

/** Everything DAV keeps for one user. */
export interface DavHome {
  uid: string;
  files: DirEntry;
  calendars: Map<string, CalendarCollection>;
  addressBooks: Map<string, AddressBookCollection>;
}

/** The default calendar `firstLogin` creates (`CalDavBackend::PERSONAL_CALENDAR_URI`/`_NAME`). */
export const PERSONAL_CALENDAR = { uri: 'personal', displayName: 'Personal' } as const;
/** The default address book (`CardDavBackend::PERSONAL_ADDRESSBOOK_URI`/`_NAME`). */
export const PERSONAL_ADDRESSBOOK = { uri: 'contacts', displayName: 'Contacts' } as const;
/** Theming's default primary colour (NC >= 28), which the default calendar gets. */
export const DEFAULT_CALENDAR_COLOR = '#00679e';

/**
 * The skeleton files a new user gets, written for this project (Nextcloud copies `core/skeleton`, whose
 * files are far larger; the double keeps the shape: a few folders and a Readme at the top).
 * `occ config:system:set skeletondirectory --value=''` disables it, as in Nextcloud.
 */
export const SKELETON: readonly { path: string; content?: string }[] = [
  { path: 'Documents' },
  { path: 'Documents/Example.md', content: '# Example\n\nA Markdown file of the nc-oauth-lab double.\n' },
  { path: 'Photos' },
  { path: 'Templates' },
  { path: 'Readme.md', content: '# Welcome\n\nThis home belongs to a user of the nc-oauth-lab double, a test double of Nextcloud.\n' },
];

const MIME_BY_EXTENSION: Record<string, string> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  json: 'application/json',
  xml: 'application/xml',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  heic: 'image/heic',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  ics: 'text/calendar',
  vcf: 'text/vcard',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
};

/** The mimetype Nextcloud's mimetype detection gives a name (by extension; unknown is `application/octet-stream`). */
export function mimetypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'application/octet-stream';
  return MIME_BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** The mimetype of folders in the file cache. */
export const FOLDER_MIMETYPE = 'httpd/unix-directory';

/** The CalDAV/CardDAV ETag of a resource body: `"md5"`. */
export function md5Etag(data: string): string {
  return `"${createHash('md5').update(data).digest('hex')}"`;
}

/**
 * The DAV data of the double: users' files, calendars and address books, in memory, isolated per user.
 * A user's home is created on first use, as Nextcloud does on first login (skeleton, `personal`
 * calendar, `contacts` address book).
 */
export class DavStore {
  private readonly homes = new Map<string, DavHome>();
  private nextFileId = 2;
  private nextCollectionId = 1;
  private etagCounter = 0;

  constructor(private readonly state: DoubleState) {}

  /** Seconds since the epoch on the double's clock. */
  nowSeconds(): number {
    return Math.floor(this.state.now() / 1000);
  }

  /** A fresh ETag: 13 hex characters like PHP's `uniqid()`, unique even within the same microsecond. */
  newEtag(): string {
    this.etagCounter += 1;
    const micros = BigInt(this.state.now()) * 1000n + BigInt(this.etagCounter % 1000);
    return (micros.toString(16) + randomBytes(4).toString('hex')).slice(-13).padStart(13, '0');
  }

  /** The next file id (`oc_filecache.fileid`, shared by all users). */
  newFileId(): number {
    return this.nextFileId++;
  }

  /** The next calendar or address book id. */
  newCollectionId(): number {
    return this.nextCollectionId++;
  }

  /** A new folder entry. */
  newDir(name: string): DirEntry {
    const now = this.nowSeconds();
    return { kind: 'dir', name, fileId: this.newFileId(), etag: this.newEtag(), mtime: now, creationTime: 0, uploadTime: 0, children: new Map(), favorite: false, props: new Map() };
  }

  /** A new file entry. */
  newFile(name: string, data: Buffer): FileEntry {
    const now = this.nowSeconds();
    return { kind: 'file', name, fileId: this.newFileId(), etag: this.newEtag(), mtime: now, creationTime: 0, uploadTime: now, mimetype: mimetypeFor(name), data, favorite: false, props: new Map() };
  }

  /** The home of a user, created on first use. */
  home(user: DoubleUser): DavHome {
    let home = this.homes.get(user.uid);
    if (!home) {
      home = this.createHome(user);
      this.homes.set(user.uid, home);
    }
    return home;
  }

  /** A user's home if it was already set up (the user has used DAV), without creating it. */
  peekHome(uid: string): DavHome | undefined {
    return this.homes.get(uid);
  }

  private createHome(user: DoubleUser): DavHome {
    const files = this.newDir(user.uid);
    const skeleton = this.state.getSystemValue('skeletondirectory');
    if (skeleton !== '') {
      for (const item of SKELETON) {
        const parts = item.path.split('/');
        let dir = files;
        for (const part of parts.slice(0, -1)) dir = dir.children.get(part) as DirEntry;
        const name = parts.at(-1)!;
        dir.children.set(name, item.content === undefined ? this.newDir(name) : this.newFile(name, Buffer.from(item.content, 'utf8')));
      }
    }
    const home: DavHome = { uid: user.uid, files, calendars: new Map(), addressBooks: new Map() };
    this.createCalendar(home, PERSONAL_CALENDAR.uri, { displayName: PERSONAL_CALENDAR.displayName, color: DEFAULT_CALENDAR_COLOR, components: ['VEVENT'] });
    this.createAddressBook(home, PERSONAL_ADDRESSBOOK.uri, { displayName: PERSONAL_ADDRESSBOOK.displayName });
    return home;
  }

  /** Creates a calendar (`CalDavBackend::createCalendar`: default components VEVENT and VTODO). */
  createCalendar(home: DavHome, uri: string, init: Partial<Pick<CalendarCollection, 'displayName' | 'description' | 'color' | 'order' | 'timezone' | 'components'>>): CalendarCollection {
    const calendar: CalendarCollection = {
      id: this.newCollectionId(),
      uri,
      displayName: init.displayName ?? uri,
      components: init.components ?? ['VEVENT', 'VTODO'],
      syncToken: 1,
      changes: [],
      objects: new Map(),
      props: new Map(),
      ...(init.description !== undefined ? { description: init.description } : {}),
      ...(init.color !== undefined ? { color: init.color } : {}),
      ...(init.order !== undefined ? { order: init.order } : {}),
      ...(init.timezone !== undefined ? { timezone: init.timezone } : {}),
    };
    home.calendars.set(uri, calendar);
    return calendar;
  }

  /** Creates an address book. */
  createAddressBook(home: DavHome, uri: string, init: { displayName?: string; description?: string }): AddressBookCollection {
    const book: AddressBookCollection = {
      id: this.newCollectionId(),
      uri,
      displayName: init.displayName ?? uri,
      syncToken: 1,
      changes: [],
      cards: new Map(),
      props: new Map(),
      ...(init.description !== undefined ? { description: init.description } : {}),
    };
    home.addressBooks.set(uri, book);
    return book;
  }
}

/** The DavStore of a double. */
export function davStore(state: DoubleState): DavStore {
  return state.store('dav', () => new DavStore(state));
}
