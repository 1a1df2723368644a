import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DavError } from './dav-error.ts';

/** `DAV:` (RFC 4918 §21). */
export const NS_DAV = 'DAV:';
/** SabreDAV's own namespace (error bodies). */
export const NS_SABRE = 'http://sabredav.org/ns';
/** ownCloud/Nextcloud file properties. */
export const NS_OC = 'http://owncloud.org/ns';
/** Nextcloud-only properties. */
export const NS_NC = 'http://nextcloud.org/ns';
/** CalDAV (RFC 4791 §4). */
export const NS_CALDAV = 'urn:ietf:params:xml:ns:caldav';
/** CardDAV (RFC 6352 §5). */
export const NS_CARDDAV = 'urn:ietf:params:xml:ns:carddav';
/** Calendar server extensions (`getctag`). */
export const NS_CS = 'http://calendarserver.org/ns/';
/** Apple's iCal properties (`calendar-color`, `calendar-order`). */
export const NS_APPLE = 'http://apple.com/ns/ical/';

/** A property or element name in Clark notation, `{namespace}local`. */
export type Clark = string;

/** The Clark name of `local` in `ns`. */
export function clark(ns: string, local: string): Clark {
  return `{${ns}}${local}`;
}

/** Splits a Clark name into namespace and local name. */
export function splitClark(name: Clark): { ns: string; local: string } {
  const m = /^\{([^}]*)\}(.+)$/.exec(name);
  return m ? { ns: m[1]!, local: m[2]! } : { ns: '', local: name };
}

/** An element of a parsed request body, with its namespace resolved from the `xmlns` declarations in scope. */
export interface XmlElement {
  ns: string;
  local: string;
  /** `{ns}local`. */
  name: Clark;
  /** Attributes without namespace declarations, by their local name. */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The concatenated text content directly inside the element. */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function resolve(node: OrderedNode, scope: Map<string, string>): XmlElement | undefined {
  const tag = Object.keys(node).find((k) => k !== ':@');
  if (!tag || tag === '#text' || tag.startsWith('?')) return undefined;
  const rawAttrs = node[':@'] ?? {};
  const inner = new Map(scope);
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns') inner.set('', v);
    else if (k.startsWith('xmlns:')) inner.set(k.slice(6), v);
  }
  const colon = tag.indexOf(':');
  const prefix = colon >= 0 ? tag.slice(0, colon) : '';
  const local = colon >= 0 ? tag.slice(colon + 1) : tag;
  const ns = inner.get(prefix);
  if (ns === undefined && prefix !== '') {
    throw new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', `Namespace prefix ${prefix} on ${local} is not defined`, { code: 'ERR_DAV_XML' });
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    attrs[k.includes(':') ? k.slice(k.indexOf(':') + 1) : k] = v;
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[tag] as OrderedNode[] | undefined) ?? []) {
    if ('#text' in child) text += String(child['#text']);
    else {
      const el = resolve(child, inner);
      if (el) children.push(el);
    }
  }
  return { ns: ns ?? '', local, name: clark(ns ?? '', local), attrs, children, text };
}

/**
 * Parses a request body into a namespace-resolved element tree. Clients pick their own prefixes (`D:`,
 * `d:`, default namespaces), so every name is resolved to Clark notation. Malformed XML is a Sabre
 * `BadRequest` (400) as sabre/xml reports it (message, line and column).
 */
export function parseXml(body: string): XmlElement {
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    throw new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', `${valid.err.msg} on line ${valid.err.line}, column ${valid.err.col}`, { code: 'ERR_DAV_XML' });
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(body) as OrderedNode[];
  } catch (cause) {
    throw new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', 'The request body had an invalid XML body.', { code: 'ERR_DAV_XML', cause });
  }
  for (const node of nodes) {
    const el = resolve(node, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
    if (el) return el;
  }
  throw new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', 'The request body had an invalid XML body.', { code: 'ERR_DAV_XML' });
}

/**
 * Parses a body that must have `root` as its root element (sabre/xml `expect()`); anything else is a 400
 * "Expected ... but received ... as the root element".
 */
export function expectRoot(body: string, root: Clark): XmlElement {
  const el = parseXml(body);
  if (el.name !== root) {
    throw new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', `Expected ${root} but received ${el.name} as the root element`, { code: 'ERR_DAV_XML' });
  }
  return el;
}

/** The first child named `name`. */
export function child(el: XmlElement | undefined, name: Clark): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All children named `name`. */
export function childrenNamed(el: XmlElement | undefined, name: Clark): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}

/** The text of an element and its descendants. */
export function deepText(el: XmlElement): string {
  return el.text + el.children.map(deepText).join('');
}

/** The trimmed deep text of an optional element ('' when absent). */
export function textOf(el: XmlElement | undefined): string {
  return el ? deepText(el).trim() : '';
}

/** Escapes text for an XML element body (PHP's `htmlspecialchars(..., ENT_NOQUOTES)` plus `>`). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text as libxml's `XMLWriter::text()` writes it (sabre/xml): also `"` and carriage returns. */
export function escapeWriterText(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/\r/g, '&#13;');
}

/** Escapes text for a double-quoted attribute value. */
export function escapeAttr(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

/**
 * Writes XML as sabre/xml does: known namespaces get their fixed prefix and are declared once on the root;
 * any other namespace gets an ad-hoc `x1`, `x2`, ... prefix declared on each element that uses it.
 */
export class XmlWriter {
  private readonly adhoc = new Map<string, string>();

  constructor(readonly namespaces: ReadonlyMap<string, string>) {}

  /** `prefix:local` for a Clark name, and the declaration it needs if its namespace is ad hoc. */
  qname(name: Clark): { tag: string; decl: string } {
    const { ns, local } = splitClark(name);
    if (ns === '') return { tag: local, decl: '' };
    const known = this.namespaces.get(ns);
    if (known !== undefined) return { tag: `${known}:${local}`, decl: '' };
    let prefix = this.adhoc.get(ns);
    if (!prefix) {
      prefix = `x${this.adhoc.size + 1}`;
      this.adhoc.set(ns, prefix);
    }
    return { tag: `${prefix}:${local}`, decl: ` xmlns:${prefix}="${escapeAttr(ns)}"` };
  }

  /** An element with already-serialised inner XML (empty inner gives `<x/>`). */
  element(name: Clark, innerXml: string, attrs: Record<string, string> = {}): string {
    const { tag, decl } = this.qname(name);
    const attrText = Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
    return innerXml === '' ? `<${tag}${decl}${attrText}/>` : `<${tag}${decl}${attrText}>${innerXml}</${tag}>`;
  }

  /** An element holding text, escaped as libxml's XMLWriter does (`&`, `<`, `>`, `"` and CR). */
  textElement(name: Clark, text: string): string {
    return this.element(name, escapeWriterText(text));
  }

  /** The root element with every known namespace declared, preceded by the XML declaration. */
  document(root: Clark, innerXml: string): string {
    const { tag } = this.qname(root);
    const decls = [...this.namespaces].map(([ns, prefix]) => ` xmlns:${prefix}="${escapeAttr(ns)}"`).join('');
    return `<?xml version="1.0"?>\n<${tag}${decls}>${innerXml}</${tag}>\n`;
  }
}
