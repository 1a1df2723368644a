import { compareVersions, PATCHES } from '../../patches/index.ts';
import type { UpstreamItem } from '../expectations/upstream-schema.ts';
import { APP_APIS } from '../matrix/app-apis.ts';
import { CLASS_SYMBOLS, PATCH_SHORT } from '../matrix/matrix-html.ts';
import { CLASS_LABELS, doubleBanner } from '../matrix/matrix-text.ts';
import { matrixVerdict } from '../matrix/matrix-verdict.ts';
import { workaroundName, type CellLink, type Release, type CheckOnRelease, type CheckStatus, type ItemOnRelease, type UpstreamStatus } from './upstream-status.ts';

/** Inline content of the status pages, rendered as Markdown or HTML. */
export type Inline = string | { code: string } | { strong: string } | { href: string; text: string } | { cell: CellLink };

/** A block of the status pages. */
export type Block =
  | { kind: 'p'; parts: Inline[] }
  | { kind: 'ul'; items: Inline[][] }
  | { kind: 'pre'; text: string }
  | { kind: 'h3'; parts: Inline[]; id: string };

/** A section (`##`) of the status pages. */
export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

/** The status pages' content, before rendering. */
export interface StatusDocument {
  title: string;
  /** The loud notice when runs used the Nextcloud double. */
  banner?: string;
  intro: Block[];
  sections: Section[];
}

/** The words of a cell link: `✕ bearer.notes.get · none · no hdr`. */
export function cellLinkText(c: CellLink): string {
  return `${CLASS_SYMBOLS[c.classification]} ${c.check} · ${PATCH_SHORT[c.patch] ?? c.patch} · ${c.ocsHeader ? 'hdr' : 'no hdr'}`;
}

/** The hover text of a cell link. */
export function cellLinkTitle(c: CellLink): string {
  return `${c.check} on ${c.variant} (run ${c.run}): ${CLASS_LABELS[c.classification].label}; observed ${c.observed.split('\n')[0]!.slice(0, 160)}`;
}

function cells(list: readonly CellLink[]): Inline[] {
  const seen = new Set<string>();
  const out: Inline[] = [];
  for (const c of list) {
    const k = `${c.run}|${c.variant}|${c.check}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(' ', { cell: c });
  }
  return out;
}

function stateText(item: UpstreamItem): string {
  const s = item.state;
  const what = s.status === 'released' ? `released in ${item.component === 'nextcloud' ? 'Nextcloud' : item.component} ${s.version}` : s.status;
  return `${what}, as last checked ${s.checked}`;
}

/** `a`, `b` and `c` (or `a`, `b` or `c`) as code. */
function codes(list: readonly string[], word = 'and'): Inline[] {
  return list.flatMap((x, i): Inline[] => [i === 0 ? '' : i === list.length - 1 ? ` ${word} ` : ', ', { code: x }]).filter((x) => x !== '');
}

function itemLines(rows: readonly ItemOnRelease[], item: UpstreamItem): Inline[][] {
  const out: Inline[][] = [];
  const of = (v: ItemOnRelease['verdict']): ItemOnRelease[] => rows.filter((r) => r.verdict === v);
  for (const r of of('still-needed')) {
    out.push([{ strong: 'Still needed on' }, ` ${r.release.label}: its checks fail unpatched and pass with `, ...codes(r.working, 'or'), '.', ...cells(r.cells)]);
  }
  for (const r of of('fails')) {
    const why: Inline[] = r.failingWith.length > 0 ? ['and still fail with ', ...codes(r.failingWith)] : [item.workarounds.length > 0 ? 'and no run measured the workaround' : 'and this tool has no workaround'];
    out.push([{ strong: 'Still fails on' }, ` ${r.release.label}: its checks fail unpatched `, ...why, `${olderThanRelease(item, r.release)}.`, ...cells(r.cells)]);
  }
  for (const r of of('fixed')) {
    const stale = r.cells.some((c) => c.classification === 'stale');
    out.push([
      { strong: 'Looks fixed upstream in' },
      ` ${r.release.label}: every measured check passes unpatched${stale ? ' (stale cells: the expectations data still says it fails there; update it)' : ''}.`,
      ...cells(r.cells),
    ]);
  }
  const untested = of('not-measured').filter((r) => r.untested);
  if (untested.length > 0) {
    out.push([{ strong: 'Not measured by this tool' }, `: ${untested[0]!.untested}`]);
    for (const r of untested) if (r.cells.length > 0) out.push([`On its own path, on ${r.release.label}: `, ...codes([...new Set(r.cells.map((c) => c.check))]), r.cells.every((c) => c.state === 'pass') ? ' pass unpatched.' : ' fail unpatched.', ...cells(r.cells)]);
    return out;
  }
  const notMeasured = of('not-measured');
  if (notMeasured.length === rows.length) out.push([{ strong: 'Not measured' }, ': no run covers ', ...codes(item.fixes), ` unpatched${item.scope?.ocsHeader === false ? ' without the header' : ''}.`]);
  else for (const r of notMeasured) out.push([{ strong: 'Not measured on' }, ` ${r.release.label}.`, ...cells(r.cells)]);
  return out;
}

function checkLine(c: CheckStatus, show: (r: CheckOnRelease) => Inline[] | undefined): Inline[] {
  const parts: Inline[] = [{ code: c.check.id }, ` ${c.check.title}:`];
  const rows = c.releases.map(show).filter((x): x is Inline[] => x !== undefined);
  rows.forEach((r, i) => parts.push(i > 0 ? ';' : '', typeof r[0] === 'string' && r[0].startsWith(' ') ? '' : ' ', ...r));
  return parts;
}

function byGroup(checks: readonly CheckStatus[], line: (c: CheckStatus) => Inline[]): Block[] {
  if (checks.length === 0) return [{ kind: 'p', parts: ['None.'] }];
  const groups = new Map<string, CheckStatus[]>();
  for (const c of checks) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  return [...groups].flatMap(([g, list]): Block[] => [
    { kind: 'p', parts: [{ strong: g }, ` (${list.length})`] },
    { kind: 'ul', items: list.map(line) },
  ]);
}

/** ` (oidc 1.16.6 is older than 2.0.0, the release that has it)` when the release predates the item's release. */
function olderThanRelease(item: UpstreamItem, release: Release): string {
  const s = item.state;
  if (s.status !== 'released' || !s.version) return '';
  const mine = item.component === 'oidc' ? release.oidc : item.component === 'user_oidc' ? release.userOidc : release.nextcloud;
  const norm = (v: string): string => (/^\d+$/.test(v) ? `${v}.0.0` : v);
  try {
    if (compareVersions(norm(mine), norm(s.version)) < 0) return ` (${item.component} ${mine} is older than ${s.version}, the release that has it)`;
  } catch {
    return '';
  }
  return '';
}

/** Items still needed come first, then those that still fail, those fixed upstream, those not measured. */
const ITEM_ORDER: readonly ItemOnRelease['verdict'][] = ['still-needed', 'fails', 'fixed', 'not-measured'];

function patchTarget(id: string): string {
  const p = PATCHES.find((x) => x.id === id);
  if (p?.component.kind === 'app') return `/var/www/html/custom_apps/${p.component.appId}`;
  return '/var/www/html';
}

/**
 * The content of status.md and status.html, every section computed from the status (which is computed from
 * the cells); every claim carries the links to its cells.
 */
export function statusDocument(status: UpstreamStatus): StatusDocument {
  const doubleRuns = status.runs.filter((r) => r.matrix.double);
  let banner: string | undefined;
  if (status.doubleOnly) {
    banner = `Built only from runs against the Nextcloud double: nothing on this page was measured on a real Nextcloud. ${doubleBanner(status.runs[0]!.matrix) ?? ''}`.trim();
  } else if (doubleRuns.length > 0) {
    banner = `Some runs used the Nextcloud double (their releases say "the Nextcloud double"): ${doubleRuns.map((r) => `run ${r.index}: ${doubleBanner(r.matrix)}`).join(' ')}`;
  }
  const intro: Block[] = [
    {
      kind: 'p',
      parts: [
        `Computed from the cells of ${status.runs.length} run${status.runs.length === 1 ? '' : 's'} of the compatibility matrix on ${status.releases.length} release${status.releases.length === 1 ? '' : 's'} (${status.releases.map((r) => r.label).join('; ')}). Nothing below is typed by hand: the upstream items, their states as last checked and the workarounds are data (scenarios/expectations/upstream/), whether each is still needed is what the cells say. Each claim links to its cells.`,
      ],
    },
    { kind: 'ul', items: status.runs.map((r) => [{ href: r.href, text: `run ${r.index}` }, ` (${r.path}): ${matrixVerdict(r.matrix).headline}`]) },
  ];

  // At a glance: each Nextcloud API an MCP server calls, from the checks that measure it, per release
  const glance: Inline[][] = [];
  for (const api of APP_APIS) {
    const checks = status.checks.filter((c) => (api.checks as readonly string[]).includes(c.check.id));
    if (checks.length === 0) continue;
    const perRelease = status.releases.map((release) => {
      const rows = checks.map((c) => c.releases.find((r) => r.release.key === release.key)!);
      const m = rows.filter((r) => r.state !== 'not-measured');
      const cellsBehind = m.flatMap((r) => r.cells);
      if (m.length === 0) return { release, words: 'not measured', cells: [] as CellLink[] };
      if (m.some((r) => r.state === 'fails')) return { release, words: 'does not work, with or without the workarounds', cells: cellsBehind };
      const needing = m.filter((r) => r.state === 'requires');
      if (needing.length === 0) return { release, words: 'works without patches', cells: cellsBehind };
      const needs = needing.map((r) => r.needs).reduce((a, b) => a.filter((x) => b.includes(x)));
      return { release, words: needs.length > 0 ? `needs ${needs.join(' or ')}` : 'needs a workaround (no single one fixes all its checks)', cells: cellsBehind };
    });
    const parts: Inline[] = [{ strong: api.label }, ':'];
    perRelease.forEach((r, i) => parts.push(i > 0 ? ';' : '', ` ${r.words}${status.releases.length > 1 ? ` on ${r.release.label}` : ''}`, ...cells(r.cells)));
    glance.push(parts);
  }
  if (glance.length > 0) intro.push({ kind: 'p', parts: [{ strong: 'At a glance' }, ': which Nextcloud APIs work with a bearer token of the oidc app (directly and through the included MCP server), and what they need.'] }, { kind: 'ul', items: glance });

  const rank = (s: (typeof status.items)[number]): number => Math.min(...s.releases.map((r) => ITEM_ORDER.indexOf(r.verdict)), ITEM_ORDER.length);
  const ordered = [...status.items].sort((a, b) => rank(a) - rank(b));
  const items: Block[] = ordered.flatMap((s): Block[] => {
    const i = s.item;
    const ws: Inline[] = i.workarounds.flatMap((w, k): Inline[] => [k > 0 ? ', or ' : '', 'patch' in w ? 'patch ' : 'sending ', { code: workaroundName(w) }]);
    return [
      { kind: 'h3', id: `item-${i.ref.replace(/[^A-Za-z0-9]+/g, '-')}`, parts: [{ href: i.url, text: i.ref }, `: ${i.title}`] },
      {
        kind: 'p',
        parts: [
          `${i.component}; ${stateText(i)}${i.state.notes ? ` (${i.state.notes.replace(/\.$/, '')})` : ''}. Fixes: `,
          ...i.fixes.flatMap((f, k): Inline[] => [k > 0 ? ', ' : '', { code: f }]),
          '. Workaround in this tool: ',
          ...(ws.length > 0 ? ws : ['none']),
          `.${i.notes ? ` ${i.notes}` : ''}`,
        ],
      },
      { kind: 'ul', items: itemLines(s.releases, i) },
    ];
  });

  const works = status.checks.filter((c) => c.verdict === 'works');
  const requires = status.checks.filter((c) => c.verdict === 'requires');
  const fails = status.checks.filter((c) => c.verdict === 'fails');
  const notMeasured = status.checks.filter((c) => c.verdict === 'not-measured');
  const rel = (r: CheckOnRelease): string => (status.releases.length > 1 ? `on ${r.release.label}` : '');

  const sideEffects: Block[] =
    status.sideEffects.length === 0
      ? [{ kind: 'p', parts: ['No workaround has known side effects in the data.'] }]
      : [
          {
            kind: 'ul',
            items: status.sideEffects.map((s): Inline[] => {
              const parts: Inline[] = [{ code: s.workaround }, ` (for `, { href: s.item.url, text: s.item.ref }, `): ${s.description}`];
              if (s.measured.length === 0) parts.push(' Not measured by a check.');
              for (const m of s.measured) {
                const words = { shows: 'shows on', absent: 'does not show on', 'not-measured': 'not measured on' }[m.state];
                parts.push(' — ', { code: m.check }, ` ${words} ${m.release.label}.`, ...cells(m.cells));
              }
              return parts;
            }),
          },
        ];

  const apply: Block[] = [];
  for (const id of status.patches) {
    const p = PATCHES.find((x) => x.id === id);
    const target = patchTarget(id);
    apply.push(
      { kind: 'p', parts: [{ code: id }, ` (${p?.summary ?? id}; stands for `, ...(p ? [{ href: p.upstream.url, text: p.upstream.ref } as Inline] : []), `): the ${p?.component.kind === 'app' ? `${p.component.label} app directory` : 'Nextcloud root'} as target.`] },
      {
        kind: 'pre',
        text: [
          `npx nc-oauth-lab patch apply --patch ${id} --target ${target}`,
          `npx nc-oauth-lab patch check --patch ${id} --target ${target}`,
          `npx nc-oauth-lab patch render --patch ${id} --target ${target} > ${id}.patch   # then in ${target}: patch -p1 < ${id}.patch`,
        ].join('\n'),
      },
    );
  }
  apply.push({ kind: 'p', parts: ['Or, without a patch, on Nextcloud >= 31: send ', { code: 'OCS-APIRequest: true' }, ' with every Notes, Deck and Tables request (the included MCP server does unless ', { code: '--no-ocs-api-request' }, ').'] });

  const verify: Block[] = [
    { kind: 'p', parts: ['The bearer table of the facts page against a running instance (test users are created and removed again):'] },
    {
      kind: 'pre',
      text: 'NC_ADMIN_PASSWORD=... npx nc-oauth-lab probe --provider external --url https://cloud.example.com \\\n  --occ "docker exec -u www-data nextcloud php occ" --protections-off',
    },
    { kind: 'p', parts: ['The same with curl and a token of the oidc app (', { code: 'npx nc-oauth-lab login --provider external ... --show-token' }, ' prints one):'] },
    {
      kind: 'pre',
      text: [
        'NC=https://cloud.example.com; TOKEN=...; NC_USER=alice',
        '# bearer.notes.get: 200 with the patch, 401 {"message":"CORS requires basic auth"} without',
        'curl -s -w " %{http_code}\\n" -H "Authorization: Bearer $TOKEN" "$NC/index.php/apps/notes/api/v1/notes"',
        '# bearer.notes.ocs-header.get: 200 on Nextcloud >= 31, patched or not',
        'curl -s -w " %{http_code}\\n" -H "Authorization: Bearer $TOKEN" -H "OCS-APIRequest: true" "$NC/index.php/apps/notes/api/v1/notes"',
        '# bearer.ocs.user: 200, patched or not',
        'curl -s -w " %{http_code}\\n" -H "Authorization: Bearer $TOKEN" -H "OCS-APIRequest: true" -H "Accept: application/json" "$NC/ocs/v2.php/cloud/user"',
        '# bearer.dav.files.propfind: 207, patched or not',
        'curl -s -o /dev/null -w "%{http_code}\\n" -X PROPFIND -H "Depth: 1" -H "Authorization: Bearer $TOKEN" "$NC/remote.php/dav/files/$NC_USER/"',
      ].join('\n'),
    },
  ];

  const runs: Block[] = status.runs.flatMap((r): Block[] => [
    {
      kind: 'p',
      parts: [
        { href: r.href, text: `Run ${r.index}` },
        `: ${r.path}, generated ${r.matrix.generatedAt} by ${r.matrix.tool.name} ${r.matrix.tool.version}; ${r.matrix.double ? 'used the Nextcloud double' : 'no Nextcloud double'}; ${matrixVerdict(r.matrix).headline}.`,
      ],
    },
    {
      kind: 'ul',
      items: r.matrix.variants.map((v): Inline[] => [
        { code: v.key },
        ` (${v.provider}): Nextcloud ${v.nextcloudVersion ?? `${v.variant.nextcloud} (major only: the run did not record the exact version)`}, oidc ${v.variant.oidc}, user_oidc ${v.variant.userOidc}, patch ${v.variant.patch}, ${v.variant.ocsHeader ? 'MCP server sends OCS-APIRequest' : 'no OCS-APIRequest'}` +
          (v.apps ? `; ${Object.entries(v.apps).map(([a, ver]) => `${a} ${ver ?? 'absent'}`).join(', ')}` : ''),
      ]),
    },
  ]);

  return {
    title: 'OAuth upstream status',
    ...(banner ? { banner } : {}),
    intro,
    sections: [
      { id: 'required-patches', title: 'Required patches', blocks: items },
      {
        id: 'works-without-patches',
        title: 'What works without patches',
        blocks: byGroup(works, (c) => checkLine(c, (r) => (r.state === 'works' ? [rel(r), ...cells(r.cells)].filter((x) => x !== '') : undefined))),
      },
      {
        id: 'requires-patches',
        title: 'What requires patches (or the OCS-APIRequest header)',
        blocks: byGroup(requires, (c) =>
          checkLine(c, (r) => {
            if (r.state === 'requires') return [`needs ${r.needs.join(' or ')}${rel(r) ? ` ${rel(r)}` : ''}`, ...cells(r.cells)];
            if (r.state === 'works') return [`works without patches ${rel(r)}`.trim(), ...cells(r.cells)];
            if (r.state === 'fails') return [`fails even so ${rel(r)}`.trim(), ...cells(r.cells)];
            return undefined;
          }),
        ),
      },
      {
        id: 'does-not-work',
        title: 'What does not work in a tested release, with or without the workarounds',
        blocks: byGroup(fails, (c) =>
          checkLine(c, (r) => {
            if (r.state === 'fails') return [`fails ${rel(r)}`.trim(), ...cells(r.cells)];
            if (r.state === 'works') return [`works ${rel(r)}`.trim(), ...cells(r.cells)];
            return undefined;
          }),
        ),
      },
      {
        id: 'not-measured',
        title: 'Not measured',
        blocks: [
          notMeasured.length === 0
            ? { kind: 'p', parts: ['Every check was measured on at least one release.'] }
            : {
                kind: 'ul',
                items: notMeasured.map((c) =>
                  checkLine(c, (r) =>
                    r.cells.length > 0 ? [`${[...new Set(r.cells.map((x) => x.notMeasured ?? CLASS_LABELS[x.classification].label))].join(', ')} ${rel(r)}`.trim(), ...cells(r.cells)] : [`no cell ${rel(r)}`.trim()],
                  ),
                ),
              },
        ],
      },
      { id: 'side-effects', title: 'Side effects of the workarounds', blocks: sideEffects },
      { id: 'how-to-apply', title: 'How to apply', blocks: apply },
      { id: 'how-to-verify', title: 'How to verify', blocks: verify },
      { id: 'runs', title: 'The runs it was built from', blocks: runs },
    ],
  };
}
