import type { AnchorMatch, PatchDefinition, PatchEdit, TransformResult } from './patch-definition.ts';
import { PATCH_CHECK_IDS } from './patch-definition.ts';
import {
  applyInsertions, findMethod, insertAfter, insertBefore, isPhpNode, methodStatements, parsePhp,
  stringValue, thisPropertyCall, type PhpNode, type StatementSite, type TextInsertion,
} from './php-source.ts';

const PATCH_ID = 'user_oidc-app-api';
const PR = 'nextcloud/user_oidc#1221';
const MARKER = `nc-oauth-lab:${PATCH_ID}`;
const STATEMENT = "$this->session->set('app_api', true);";
const SCOPE = 'Backend::getCurrentUserId()';

const RETURN_ANCHOR = { id: 'return-oidc-provider-user-id', description: '`return $oidcProviderUserId;`', position: 'before' } as const;
const LPC_ANCHOR = { id: 'set-last-password-confirm', description: "`$this->session->set('last-password-confirm', …);`", position: 'after' } as const;

/** `$this->session->set('<key>', ...)` as an expression statement; returns the call's arguments. */
function sessionSet(node: PhpNode, key: string): PhpNode[] | undefined {
  if (node.kind !== 'expressionstatement') return undefined;
  const args = thisPropertyCall(node['expression'], 'session', 'set');
  return args && stringValue(args[0]) === key ? args : undefined;
}

function isReturnAnchor(node: PhpNode): boolean {
  const expr = node['expr'];
  return node.kind === 'return' && isPhpNode(expr) && expr.kind === 'variable' && expr['name'] === 'oidcProviderUserId';
}

function isLpcAnchor(node: PhpNode): boolean {
  return (sessionSet(node, 'last-password-confirm')?.length ?? 0) >= 2;
}

/** The patched statement, `$this->session->set('app_api', true);`, however it is spelled. */
function isAppApiSet(node: PhpNode | undefined): boolean {
  if (!node) return false;
  const args = sessionSet(node, 'app_api');
  return args?.length === 2 && args[1]!.kind === 'boolean' && args[1]!['value'] === true;
}

function transform(source: string, file: string): TransformResult {
  const program = parsePhp(source, file);
  const { classNode, method } = findMethod(program, 'Backend', 'getCurrentUserId');
  const none = (problem: string): TransformResult => ({ anchors: [], edits: [], patched: source, problems: [problem] });
  if (!classNode) return none(`no class Backend in ${file}`);
  if (!method) return none(`no method getCurrentUserId() in class Backend`);

  const sites = methodStatements(method);
  const returns = sites.filter((s) => isReturnAnchor(s.node));
  const lpcs = sites.filter((s) => isLpcAnchor(s.node));
  const problems: string[] = [];
  if (returns.length === 0) problems.push(`no ${RETURN_ANCHOR.description} in ${SCOPE}`);
  if (lpcs.length === 0) problems.push(`no ${LPC_ANCHOR.description} in ${SCOPE}`);

  const line = (node: PhpNode): number => node.loc!.start.line;
  const marked = (node: PhpNode): boolean => {
    const start = source.lastIndexOf('\n', node.loc!.start.offset) + 1;
    const end = source.indexOf('\n', node.loc!.end.offset);
    return source.slice(start, end < 0 ? source.length : end).includes(MARKER);
  };
  const neighbour = (site: StatementSite, step: -1 | 1): PhpNode | undefined => (site.list ? site.list[site.index + step] : undefined);

  const adjacent = new Set<PhpNode>();
  const matches: { site: StatementSite; spec: typeof RETURN_ANCHOR | typeof LPC_ANCHOR; match: AnchorMatch }[] = [];
  for (const [spec, list] of [[RETURN_ANCHOR, returns], [LPC_ANCHOR, lpcs]] as const) {
    for (const site of list) {
      if (!site.list) {
        problems.push(`${spec.description} at line ${line(site.node)} is not inside a { } block in ${SCOPE}`);
        continue;
      }
      const next = neighbour(site, spec.position === 'before' ? -1 : 1);
      const patched = isAppApiSet(next);
      if (patched) adjacent.add(next!);
      matches.push({ site, spec, match: { anchor: spec.id, line: line(site.node), patched, marked: patched && marked(next!) } });
    }
  }
  for (const s of sites) {
    if (isAppApiSet(s.node) && !adjacent.has(s.node)) {
      problems.push(`${SCOPE} already sets app_api at line ${line(s.node)}, away from the anchors (edited by hand, or upstream merged ${PR} in another shape)`);
    }
  }
  matches.sort((a, b) => a.match.line - b.match.line);
  const anchors = matches.map((m) => m.match);
  if (problems.length > 0) return { anchors, edits: [], patched: source, problems };

  const insertions: TextInsertion[] = [];
  const planned: Omit<PatchEdit, 'line'>[] = [];
  const lineText = `${STATEMENT} // ${MARKER} (${PR})`;
  const inlineText = `${STATEMENT} /* ${MARKER} (${PR}) */`;
  for (const { site, spec, match } of matches) {
    if (match.patched) continue;
    // A `last-password-confirm` statement followed directly by `return $oidcProviderUserId;` needs one insertion, not two.
    if (spec === RETURN_ANCHOR && matches.some((m) => m.spec === LPC_ANCHOR && !m.match.patched && m.site.list === site.list && m.site.index === site.index - 1)) continue;
    insertions.push(spec.position === 'before' ? insertBefore(source, site.node, [lineText], inlineText) : insertAfter(source, site.node, [lineText], inlineText));
    planned.push({ anchor: spec.id, position: spec.position, anchorLine: match.line, text: lineText });
  }
  const { text, lines } = applyInsertions(source, insertions);
  const edits = planned.map((p, i) => ({ ...p, line: lines[i]!, text: insertions[i]!.inline ? inlineText : p.text }));
  return { anchors, edits, patched: text, problems: [] };
}

/**
 * The user_oidc patch (facts page, "The user_oidc patch"; upstream nextcloud/user_oidc#1221): inside
 * `Backend::getCurrentUserId()` it sets the session value `app_api` to `true` immediately before every
 * `return $oidcProviderUserId;` and immediately after every statement that sets `last-password-confirm`, so
 * core's CORSMiddleware keeps a bearer-authenticated session instead of logging it out.
 */
export const userOidcAppApiPatch: PatchDefinition = {
  id: PATCH_ID,
  summary: 'user_oidc sets the session flag app_api on every successful bearer login, so @CORS app APIs (Notes, Deck) accept Bearer tokens',
  component: { kind: 'app', appId: 'user_oidc', label: 'user_oidc' },
  file: 'lib/User/Backend.php',
  scope: SCOPE,
  versions: { min: '7.0.0' },
  notApplicableReason: 'user_oidc before 7.0.0 has no bearer validation through the oidc app (no $oidcProviderUserId path): there is nothing to patch and the patch is not needed',
  upstream: { ref: PR, url: 'https://github.com/nextcloud/user_oidc/pull/1221', status: 'open' },
  changesChecks: [PATCH_CHECK_IDS.bearerNotesGet, PATCH_CHECK_IDS.bearerNotesPost],
  sideEffects: [
    'core skips two-factor authentication for a session with app_api === true (TwoFactorAuth Manager::needsSecondFactor), so bearer sessions never face 2FA',
    "Nextcloud's code integrity check reports user_oidc's lib/User/Backend.php as changed (INVALID_HASH) for a signed app; an app update replaces the file and drops the patch",
  ],
  anchors: [RETURN_ANCHOR, LPC_ANCHOR],
  marker: MARKER,
  transform,
};
