import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { PatchComponent, PatchDefinition } from './patch-definition.ts';
import { PatchTargetError } from './patch-error.ts';
import { childNodes, isPhpNode, parsePhp, stringValue, type PhpNode } from './php-source.ts';

/** A target read from disk: the component's version (from the target itself) and the file to patch. */
export interface PatchTarget {
  /** Absolute path of the app or server root. */
  dir: string;
  /** Version read from `appinfo/info.xml` or `version.php`. */
  version: string;
  /** `user_oidc 8.10.1`, `Nextcloud 32.0.1`. */
  label: string;
  /** The target file, relative to `dir` (forward slashes). */
  file: string;
  /** Absolute path of the target file. */
  path: string;
  /** Its text; undefined when the file does not exist. */
  source: string | undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new PatchTargetError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads `<id>` and `<version>` of an app from its `appinfo/info.xml` and checks the id. Throws
 * `PatchTargetError` when the directory is not that app.
 */
export async function readAppVersion(dir: string, appId: string): Promise<string> {
  const infoPath = join(dir, 'appinfo', 'info.xml');
  const xml = await readText(infoPath);
  if (xml === undefined) throw new PatchTargetError(`${dir} is not a Nextcloud app directory (no appinfo/info.xml): --target must be the ${appId} app directory, e.g. <nextcloud>/custom_apps/${appId}`);
  let info: { info?: { id?: unknown; version?: unknown } };
  try {
    info = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true }).parse(xml, true) as typeof info;
  } catch (error) {
    throw new PatchTargetError(`${infoPath} is not valid XML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const id = typeof info.info?.id === 'string' ? info.info.id : undefined;
  const version = typeof info.info?.version === 'string' ? info.info.version : undefined;
  if (id !== appId) throw new PatchTargetError(`${dir} is ${id ? `the '${id}' app` : 'an app without <id>'}, not ${appId}: --target must be the ${appId} app directory`);
  if (!version) throw new PatchTargetError(`${infoPath} has no <version>`);
  return version;
}

function assignedValue(program: PhpNode, variable: string): PhpNode | undefined {
  let found: PhpNode | undefined;
  const visit = (node: PhpNode): void => {
    if (found) return;
    if (node.kind === 'assign' && isPhpNode(node['left']) && node['left'].kind === 'variable' && node['left']['name'] === variable && isPhpNode(node['right'])) {
      found = node['right'];
      return;
    }
    for (const child of childNodes(node)) visit(child);
  };
  visit(program);
  return found;
}

/**
 * Reads the server version from `version.php`: `$OC_VersionString` ('32.0.1'), else `$OC_Version`
 * ([32, 0, 1, 2]). The file is parsed with the PHP parser, never run.
 */
export async function readServerVersion(dir: string): Promise<string> {
  const path = join(dir, 'version.php');
  const source = await readText(path);
  if (source === undefined) throw new PatchTargetError(`${dir} is not a Nextcloud server directory (no version.php): --target must be the Nextcloud root, e.g. /var/www/html`);
  const program = parsePhp(source, path);
  const versionString = stringValue(assignedValue(program, 'OC_VersionString'));
  if (versionString) return versionString;
  const array = assignedValue(program, 'OC_Version');
  if (array?.kind === 'array' && Array.isArray(array['items'])) {
    const parts = (array['items'] as unknown[]).map((item) => {
      const value = isPhpNode(item) && item.kind === 'entry' ? item['value'] : item;
      return isPhpNode(value) && value.kind === 'number' ? String(value['value']) : undefined;
    });
    if (parts.length > 0 && parts.every((p) => p !== undefined)) return parts.join('.');
  }
  throw new PatchTargetError(`${path} sets neither $OC_VersionString nor $OC_Version`);
}

/** The version of `component` in `dir`. */
export async function readComponentVersion(dir: string, component: PatchComponent): Promise<string> {
  return component.kind === 'app' ? readAppVersion(dir, component.appId) : readServerVersion(dir);
}

/**
 * Reads a patch's target: checks the directory, reads the component version from the target itself and the
 * file to patch (if it exists). Throws `PatchTargetError` (one line, naming what is wrong) when the directory
 * is not right.
 */
export async function readPatchTarget(definition: PatchDefinition, targetDir: string): Promise<PatchTarget> {
  const dir = resolve(targetDir);
  if (!(await isDirectory(dir))) throw new PatchTargetError(`target directory ${targetDir} does not exist`);
  const version = await readComponentVersion(dir, definition.component);
  const path = join(dir, ...definition.file.split('/'));
  const source = await readText(path);
  return { dir, version, label: `${definition.component.label} ${version}`, file: definition.file, path, source };
}
