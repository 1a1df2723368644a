import { createHash } from 'node:crypto';
import type { DoubleState } from '../double-state.ts';
import { phpJson } from './app-framework.ts';

/** A note: a file in the user's notes folder plus the Notes app's `notes_meta` row. */
export interface NoteRecord {
  /** The file id. */
  id: number;
  title: string;
  /** Sub-folder path below the notes folder, `''` for none. */
  category: string;
  content: string;
  /** File suffix the note was created with (`.md`, `.txt` or a custom one). */
  suffix: string;
  favorite: boolean;
  /** File mtime, seconds. */
  modified: number;
  /** `notes_meta`: the note's ETag and when it last changed, seconds. */
  etag: string;
  lastUpdate: number;
}

/** The Notes app's user settings as stored (`oc_preferences` notes/settings). */
export interface NotesSettings {
  fileSuffix?: string;
  notesPath?: string;
  noteMode?: string;
  customSuffix?: string;
}

/** Why a note could not be read or changed. */
export class NotesError extends Error {
  readonly code: 'ERR_NOTE_NOT_FOUND';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NotesError';
    this.code = 'ERR_NOTE_NOT_FOUND';
  }
}

/** `NoteUtil::MAX_TITLE_LENGTH`. */
const MAX_TITLE_LENGTH = 100;

/** `NoteUtil::sanitisePath`: drops characters illegal in file names and leading dots and spaces of each line. */
function sanitisePath(text: string): string {
  return text.replace(/[*|/\\:"<>?]/g, '').replace(/^[.\s]+/gmu, '').trim();
}

/** `NoteUtil::getSafeTitle`: the first line of the sanitised text, at most 100 characters, or "New note". */
export function safeTitle(text: string): string {
  const firstLine = sanitisePath(text).split(/\r\n|\n|\r/u, 1)[0] ?? '';
  const title = [...firstLine.trim().replace(/\s/gu, ' ')].slice(0, MAX_TITLE_LENGTH).join('');
  return title === '' ? 'New note' : title;
}

/** `NoteUtil::normalizeCategoryPath`: each segment sanitised, empty segments dropped. */
export function normalizeCategory(category: string): string {
  return category.split('/').map(sanitisePath).filter((s) => s !== '').join('/');
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** The editor modes the Notes app offers with the Text app enabled (Nextcloud >= 26). */
export const NOTE_MODES = ['rich', 'edit', 'preview'] as const;
const DEFAULT_SUFFIXES = ['.md', '.txt'];

/** The notes of every user, kept apart per user; note ids are file ids and increase across users. */
export class NotesStore {
  private nextId = 1000;
  private readonly notes = new Map<string, Map<number, NoteRecord>>();
  private readonly settings = new Map<string, NotesSettings>();

  constructor(private readonly state: DoubleState) {}

  private nowSeconds(): number {
    return Math.floor(this.state.now() / 1000);
  }

  private userNotes(uid: string): Map<number, NoteRecord> {
    let notes = this.notes.get(uid);
    if (!notes) this.notes.set(uid, (notes = new Map()));
    return notes;
  }

  /** All notes of a user, in file order. */
  list(uid: string): NoteRecord[] {
    return [...this.userNotes(uid).values()];
  }

  /** A note of the user, or a NotesError. */
  get(uid: string, id: number): NoteRecord {
    const note = this.userNotes(uid).get(id);
    if (!note) throw new NotesError(`note ${id} of ${uid} does not exist`);
    return note;
  }

  /** `MetaService::update`: recomputes the note's ETag and moves `lastUpdate` when it changed. */
  private refreshMeta(note: NoteRecord): void {
    const etag = md5(phpJson([note.id, note.title, note.modified, note.category, note.favorite, false, md5(note.content)]));
    if (etag !== note.etag) {
      note.etag = etag;
      note.lastUpdate = this.nowSeconds();
    }
  }

  /** `NoteUtil::generateFileName`: the title, with ` (2)`, ` (3)`... when another note of the folder has it. */
  private uniqueTitle(uid: string, category: string, title: string, suffix: string, id: number): string {
    let candidate = safeTitle(title);
    for (;;) {
      const taken = this.list(uid).some((n) => n.id !== id && n.category === category && n.title + n.suffix === candidate + suffix);
      if (!taken) return candidate;
      const m = /\s\((\d+)\)$/u.exec(candidate);
      const idSuffix = ` (${m ? Number(m[1]) + 1 : 2})`;
      const base = m ? candidate.slice(0, m.index) : candidate;
      candidate = [...base].slice(0, MAX_TITLE_LENGTH - idSuffix.length).join('') + idSuffix;
    }
  }

  /** `NotesService::create` and the setters of the v1 API's create, in their order. */
  create(uid: string, input: { title: string; category: string; content: string; modified: number; favorite: boolean }): NoteRecord {
    const category = normalizeCategory(input.category);
    const settings = this.publicSettings(uid);
    const suffix = settings.fileSuffix;
    const note: NoteRecord = { id: this.nextId++, title: '', category, content: '', suffix, favorite: false, modified: this.nowSeconds(), etag: '', lastUpdate: 0 };
    note.title = this.uniqueTitle(uid, category, input.title, suffix, -1);
    this.userNotes(uid).set(note.id, note);
    note.content = input.content;
    if (input.modified) note.modified = input.modified;
    if (input.favorite) note.favorite = true;
    this.refreshMeta(note);
    return note;
  }

  /** The v1 API's update: only the given fields change, in the app's order (content, modified, title/category, favorite). */
  update(uid: string, id: number, input: { content?: string | null; modified?: number | null; title?: string | null; category?: string | null; favorite?: boolean | null }): NoteRecord {
    const note = this.get(uid, id);
    if (input.content != null && input.content !== note.content) {
      note.content = input.content;
      note.modified = this.nowSeconds();
    }
    if (input.modified != null && input.modified !== note.modified) note.modified = input.modified;
    if (input.title != null && input.title !== note.title) {
      const category = input.category == null ? note.category : normalizeCategory(input.category);
      note.title = this.uniqueTitle(uid, category, input.title, note.suffix, note.id);
      note.category = category;
    } else if (input.category != null && input.category !== note.category) {
      const category = normalizeCategory(input.category);
      note.title = this.uniqueTitle(uid, category, note.title, note.suffix, note.id);
      note.category = category;
    }
    if (input.favorite != null && input.favorite !== note.favorite) note.favorite = input.favorite;
    this.refreshMeta(note);
    return note;
  }

  /** Deletes a note, or a NotesError. */
  delete(uid: string, id: number): void {
    this.get(uid, id);
    this.userNotes(uid).delete(id);
  }

  /** Forgets a deleted user's notes and settings (the user's files go with the user). */
  deleteUser(uid: string): void {
    this.notes.delete(uid);
    this.settings.delete(uid);
  }

  /** The note's current ETag (after a meta refresh, as `MetaService::update` does before comparing). */
  etagOf(note: NoteRecord): string {
    this.refreshMeta(note);
    return note.etag;
  }

  /** `SettingsService::getPublic`: stored values over the defaults, a custom suffix shown as `fileSuffix`. */
  publicSettings(uid: string): { fileSuffix: string; notesPath: string; noteMode: string } {
    const stored = this.settings.get(uid) ?? {};
    const fileSuffix = stored.fileSuffix ?? '.md';
    return {
      fileSuffix: fileSuffix === 'custom' ? (stored.customSuffix ?? '.md') : fileSuffix,
      notesPath: stored.notesPath ?? 'Notes',
      noteMode: stored.noteMode ?? NOTE_MODES[0],
    };
  }

  /**
   * `SettingsService::setPublic`: a `fileSuffix` other than `.md`/`.txt` becomes a custom suffix; values are
   * validated (an invalid one falls back to the default), unknown names and default values are not stored.
   */
  setPublicSettings(uid: string, input: Record<string, unknown>): void {
    const next: NotesSettings = { ...this.settings.get(uid) };
    const given = { ...input };
    if (typeof given['fileSuffix'] === 'string' && !DEFAULT_SUFFIXES.includes(given['fileSuffix'])) {
      given['customSuffix'] = given['fileSuffix'];
      given['fileSuffix'] = 'custom';
    }
    for (const [name, raw] of Object.entries(given)) {
      if (raw === null || raw === undefined) continue;
      const value = String(raw);
      switch (name) {
        case 'fileSuffix':
          next.fileSuffix = [...DEFAULT_SUFFIXES, 'custom'].includes(value) ? value : '.md';
          break;
        case 'noteMode':
          next.noteMode = (NOTE_MODES as readonly string[]).includes(value) ? value : NOTE_MODES[0];
          break;
        case 'customSuffix': {
          const out = value.replace(/[^A-Za-z0-9.-]/g, '').replace(/^\.+/, '');
          next.customSuffix = `.${out === '' ? 'md' : out}`;
          break;
        }
        case 'notesPath': {
          const parts: string[] = [];
          for (const part of value.replace(/\\/g, '/').split('/')) {
            if (part === '..') parts.pop();
            else if (part !== '' && part !== '.') parts.push(part);
          }
          next.notesPath = parts.join('/');
          break;
        }
        default:
          break;
      }
    }
    if (next.fileSuffix === '.md') delete next.fileSuffix;
    if (next.noteMode === NOTE_MODES[0]) delete next.noteMode;
    if (next.customSuffix === '.md') delete next.customSuffix;
    this.settings.set(uid, next);
  }
}

/** The NotesStore of a double. */
export function notesStore(state: DoubleState): NotesStore {
  return state.store('notes', () => new NotesStore(state));
}
