import type { AppList } from '../harness/index.ts';
import { APP_NAMES, CHECK_APP_IDS, checkApps, type AppId, type CheckId } from './checks.ts';

/** Why an app cannot be used on an instance ("Deck is not installed", "Deck is disabled"), or undefined when it is enabled. */
export function appAbsence(app: AppId, apps: AppList): string | undefined {
  if (Object.hasOwn(apps.enabled, app)) return undefined;
  return `${APP_NAMES[app]} is ${Object.hasOwn(apps.disabled, app) ? 'disabled' : 'not installed'}`;
}

/**
 * Why a check cannot be measured on an instance with `apps`: the first app it needs that is missing or
 * disabled (`Deck is not installed (app deck): mcp.deck.roundtrip is not measured`), or undefined.
 */
export function checkSkipReason(id: CheckId, apps: AppList): string | undefined {
  for (const app of checkApps(id)) {
    const why = appAbsence(app, apps);
    if (why) return `${why} (app ${app}): ${id} is not measured on this instance`;
  }
  return undefined;
}

/** The versions of the apps the checks use, as a matrix variant records them: app id -> version, null when absent or disabled. */
export function checkAppVersions(apps: AppList): Record<string, string | null> {
  return Object.fromEntries(CHECK_APP_IDS.map((app) => [app, apps.enabled[app] ?? null]));
}
