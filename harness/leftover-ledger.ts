import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PendingUndo } from './prepare-instance.ts';

/** What one process has changed on one instance and not undone yet, as its ledger file holds it. */
export interface LeftoverEntry {
  /** The instance (`Nextcloud at http://... (external)`). */
  instance: string;
  /** Changes and resources not undone yet, newest first, each with the command that undoes it by hand. */
  pending: PendingUndo[];
}

/**
 * A ledger of what a run has changed and not undone yet, kept in a file so that another process can list
 * it when this one is killed before its cleanup ends (`nc-oauth-lab matrix` after a third Ctrl-C). Written
 * through a temporary sibling and a rename, so a reader never sees half a file; removed when nothing is
 * pending.
 */
export class LeftoverLedger {
  readonly path: string;
  private readonly instance: string;
  private parts = new Map<string, PendingUndo[]>();

  constructor(path: string, instance: string) {
    this.path = path;
    this.instance = instance;
  }

  /** Replaces the pending items of one source (`prepare`, `docker`) and writes the file. */
  set(source: string, pending: readonly PendingUndo[]): void {
    this.parts.set(source, [...pending]);
    const all = [...this.parts.values()].flat();
    try {
      if (all.length === 0) {
        rmSync(this.path, { force: true });
        return;
      }
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ instance: this.instance, pending: all } satisfies LeftoverEntry)}\n`, 'utf8');
      renameSync(tmp, this.path);
    } catch {
      // A ledger that cannot be written must not break the run; the run still undoes its changes.
    }
  }
}

/** Reads every ledger file of a directory (files another process wrote with LeftoverLedger). */
export function readLeftovers(dir: string): LeftoverEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: LeftoverEntry[] = [];
  for (const name of names.sort()) {
    try {
      const entry = JSON.parse(readFileSync(join(dir, name), 'utf8')) as LeftoverEntry;
      if (typeof entry.instance === 'string' && Array.isArray(entry.pending) && entry.pending.length > 0) out.push(entry);
    } catch {
      // a file being replaced: its rename comes with the complete next version
    }
  }
  return out;
}

/**
 * The lines that tell a user what was left behind and how to undo each by hand, in order. With
 * `occCommand` (the run's `--occ`), the `occ` of each command is written as that command line.
 */
export function leftoverLines(entries: readonly LeftoverEntry[], occCommand?: string): string[] {
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(`left behind on ${e.instance} (undo by hand, in this order):`);
    for (const p of e.pending) lines.push(`  ${p.what}: ${occCommand ? p.manual.replace(/^occ /, `${occCommand} `) : p.manual}`);
  }
  return lines;
}
