import { ToolInputError } from './tool-definition.ts';

/** Whether a text holds ASCII control characters (C0 or DEL). */
function hasControlCharacters(text: string): boolean {
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * A path inside the caller's files, normalised: `/`-separated from the user's root, empty and `.` segments
 * dropped, `..` refused (nothing outside the user's root is reachable), no control characters or
 * backslashes. Returns `/` for the root, else `/a/b`.
 */
export function normalizeUserPath(input: string): string {
  if (hasControlCharacters(input)) throw new ToolInputError('the path contains control characters');
  if (input.includes('\\')) throw new ToolInputError(`'\\' is not a path separator here: write paths with '/'`);
  const segments: string[] = [];
  for (const segment of input.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') throw new ToolInputError(`'..' is not allowed in '${input}': paths stay inside your Nextcloud files`);
    segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** One name inside a DAV collection (a calendar, an address book, an object): no `/`, not `.` or `..`, not empty. */
export function davSegment(input: string, what: string): string {
  if (input === '' || input === '.' || input === '..' || input.includes('/') || input.includes('\\') || hasControlCharacters(input)) {
    throw new ToolInputError(`${what} '${input}' is not a valid name: use the id a list tool gave`);
  }
  return input;
}

/** Percent-encodes each segment of a path (RFC 3986 path characters stay readable). */
export function encodePathSegments(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}
