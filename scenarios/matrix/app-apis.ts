import type { CheckId } from '../checks.ts';

/** A Nextcloud API an MCP server calls with the user's bearer token, and the matrix checks that measure it. */
export interface AppApi {
  id: string;
  label: string;
  /** The checks that together say whether the API works with a bearer token on a variant (through the MCP server where there is a round trip). */
  checks: readonly CheckId[];
}

/**
 * The main question of the matrix, per variant: which Nextcloud APIs work with a bearer token of the oidc
 * app, through the included MCP server (with or without `OCS-APIRequest`, as the variant says). In the
 * order the facts page lists them: what works everywhere first, the `@CORS` app APIs last.
 */
export const APP_APIS: readonly AppApi[] = [
  { id: 'ocs', label: 'OCS', checks: ['bearer.ocs.user', 'bearer.ocs.capabilities'] },
  { id: 'files', label: 'Files (WebDAV)', checks: ['bearer.dav.files.propfind', 'mcp.files.roundtrip'] },
  { id: 'calendar', label: 'Calendar (CalDAV)', checks: ['bearer.dav.calendar.propfind', 'mcp.calendar.roundtrip'] },
  { id: 'contacts', label: 'Contacts (CardDAV)', checks: ['mcp.contacts.roundtrip'] },
  { id: 'notes', label: 'Notes', checks: ['mcp.notes.roundtrip'] },
  { id: 'deck', label: 'Deck', checks: ['mcp.deck.roundtrip'] },
  { id: 'tables', label: 'Tables', checks: ['mcp.tables.roundtrip'] },
];
