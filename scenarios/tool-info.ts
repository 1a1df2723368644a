import { readFileSync } from 'node:fs';

/** The tool that wrote a report: name and version from package.json. */
export interface ToolInfo {
  name: string;
  version: string;
}

let cached: ToolInfo | undefined;

/** nc-oauth-lab's name and version (package.json); the version is also the included MCP server's. */
export function toolInfo(): ToolInfo {
  if (!cached) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    cached = { name: pkg.name, version: pkg.version };
  }
  return cached;
}
