import type { AnchorMatch, PatchDefinition, PatchEdit, TransformResult } from './patch-definition.ts';
import { PATCH_CHECK_IDS } from './patch-definition.ts';
import {
  applyInsertions, containsNode, findMethod, indentAt, indentUnit, insertBefore, isPhpNode, methodStatements, parsePhp,
  stringValue, thisPropertyCall, type PhpNode, type StatementSite,
} from './php-source.ts';

const PATCH_ID = 'server-cors';
const PR = 'nextcloud/server#55878';
const MARKER = `nc-oauth-lab:${PATCH_ID}`;
const SCOPE = 'CORSMiddleware::beforeController()';
const CONDITION = "str_starts_with($this->request->getHeader('Authorization'), 'Bearer ')";

const CSRF_ANCHOR = { id: 'if-passes-csrf-check', description: '`if ($this->request->passesCSRFCheck())`', position: 'before' } as const;

function isCsrfAnchor(node: PhpNode): boolean {
  return node.kind === 'if' && isPhpNode(node['test']) && containsNode(node['test'], (n) => thisPropertyCall(n, 'request', 'passesCSRFCheck') !== undefined);
}

/** The statements of an if's body: the block's children, or the single brace-less statement. */
function bodyStatements(node: PhpNode): PhpNode[] {
  const body = node['body'];
  if (!isPhpNode(body)) return [];
  if (body.kind === 'block') return (body['children'] as unknown[]).filter(isPhpNode);
  return [body];
}

/** An early return for bearer requests: `if (<test naming 'Bearer ' and the Authorization header>) { return; }`, ours or upstream's. */
function isBearerEarlyReturn(node: PhpNode | undefined): boolean {
  if (!node || node.kind !== 'if' || node['alternate'] || !isPhpNode(node['test'])) return false;
  const body = bodyStatements(node);
  if (body.length !== 1 || body[0]!.kind !== 'return' || body[0]!['expr']) return false;
  return containsNode(node['test'], (n) => /^bearer\s/i.test(stringValue(n) ?? ''));
}

function transform(source: string, file: string): TransformResult {
  const program = parsePhp(source, file);
  const { classNode, method } = findMethod(program, 'CORSMiddleware', 'beforeController');
  const none = (problem: string): TransformResult => ({ anchors: [], edits: [], patched: source, problems: [problem] });
  if (!classNode) return none(`no class CORSMiddleware in ${file}`);
  if (!method) return none('no method beforeController() in class CORSMiddleware');

  const sites = methodStatements(method);
  const csrf = sites.filter((s) => isCsrfAnchor(s.node));
  const problems: string[] = [];
  if (csrf.length === 0) problems.push(`no ${CSRF_ANCHOR.description} in ${SCOPE}`);
  const line = (node: PhpNode): number => node.loc!.start.line;
  const marked = (node: PhpNode): boolean => {
    const from = Math.min(node.loc!.start.offset, ...(node.leadingComments ?? []).map((c) => c.loc?.start.offset ?? Infinity));
    return source.slice(from, node.loc!.end.offset).includes(MARKER);
  };

  const adjacent = new Set<PhpNode>();
  const matches: { site: StatementSite; match: AnchorMatch }[] = [];
  for (const site of csrf) {
    if (!site.list) {
      problems.push(`${CSRF_ANCHOR.description} at line ${line(site.node)} is not a statement of a { } block in ${SCOPE}`);
      continue;
    }
    const previous = site.list[site.index - 1];
    const patched = isBearerEarlyReturn(previous);
    if (patched) adjacent.add(previous!);
    matches.push({ site, match: { anchor: CSRF_ANCHOR.id, line: line(site.node), patched, marked: patched && marked(previous!) } });
  }
  for (const s of sites) {
    if (isBearerEarlyReturn(s.node) && !adjacent.has(s.node)) {
      problems.push(`${SCOPE} already returns early for Bearer requests at line ${line(s.node)}, away from the passesCSRFCheck() test (edited by hand, or upstream merged ${PR} in another shape)`);
    }
  }
  const anchors = matches.map((m) => m.match);
  if (problems.length > 0) return { anchors, edits: [], patched: source, problems };

  const comment = `// ${MARKER} (${PR}): a Bearer request needs no CSRF token`;
  const inlineText = `if (${CONDITION}) { return; } /* ${MARKER} (${PR}) */`;
  const todo = matches.filter((m) => !m.match.patched);
  const blocks = todo.map(({ site }) => {
    const indent = indentAt(source, site.node.loc!.start.offset);
    const inner = bodyStatements(site.node)[0];
    const unit = indentUnit(inner ? indentAt(source, inner.loc!.start.offset) : '', indent);
    return [comment, `if (${CONDITION}) {`, `${unit}return;`, '}'];
  });
  // The block, then a blank line before the comment of the CSRF test, as upstream lays it out.
  const insertions = todo.map(({ site }, i) => insertBefore(source, site.node, [...blocks[i]!, ''], inlineText));
  const { text, lines } = applyInsertions(source, insertions);
  const edits: PatchEdit[] = todo.map(({ match }, i) => ({
    anchor: CSRF_ANCHOR.id,
    position: 'before',
    anchorLine: match.line,
    line: lines[i]!,
    text: insertions[i]!.inline ? inlineText : blocks[i]!.join('\n'),
  }));
  return { anchors, edits, patched: text, problems: [] };
}

/**
 * The core alternative (facts page, "The user_oidc patch"; upstream nextcloud/server#55878): in
 * `CORSMiddleware::beforeController()`, before the `passesCSRFCheck()` test, return early when the
 * `Authorization` header starts with `Bearer `, so a bearer request to a @CORS controller is not logged out.
 */
export const serverCorsPatch: PatchDefinition = {
  id: PATCH_ID,
  summary: 'core CORSMiddleware lets requests with an Authorization: Bearer header through without a CSRF token, so @CORS app APIs accept Bearer tokens',
  component: { kind: 'server', label: 'Nextcloud' },
  file: 'lib/private/AppFramework/Middleware/Security/CORSMiddleware.php',
  scope: SCOPE,
  versions: { min: '31.0.0' },
  notApplicableReason: 'the patch is kept and checked only for Nextcloud 31 and later (older majors are end of life)',
  upstream: { ref: PR, url: 'https://github.com/nextcloud/server/pull/55878', status: 'open' },
  changesChecks: [PATCH_CHECK_IDS.bearerNotesGet, PATCH_CHECK_IDS.bearerNotesPost],
  sideEffects: [
    'any request with an Authorization: Bearer header skips the CSRF check of @CORS controllers and keeps its session, even a cookie session (a cross-site page cannot set that header without a CORS preflight)',
    "core's code integrity check reports CORSMiddleware.php as changed (INVALID_HASH); a server upgrade replaces the file and drops the patch",
  ],
  anchors: [CSRF_ANCHOR],
  marker: MARKER,
  transform,
};
