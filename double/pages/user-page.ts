import type { DoubleState, DoubleUser } from '../double-state.ts';
import { firstRunWizardOverlay, showsFirstRunWizard } from './first-run-wizard.ts';
import { escapeHtml, renderPage } from './render-page.ts';

/** A user page (user layout) with the first run wizard on top while the user has not closed it. */
export function userPage(state: DoubleState, user: DoubleUser, requestToken: string, title: string, body: string, script?: string): string {
  return renderPage({
    title,
    requestToken,
    user,
    body,
    ...(script !== undefined ? { script } : {}),
    ...(showsFirstRunWizard(state, user.uid) ? { overlay: firstRunWizardOverlay() } : {}),
  });
}

/** The dashboard, the default app a login without `redirect_url` lands on. */
export function dashboardPage(state: DoubleState, user: DoubleUser, requestToken: string): string {
  return userPage(state, user, requestToken, 'Dashboard', `<div id="app-dashboard"><h2>Good day, ${escapeHtml(user.displayName)}</h2></div>`);
}

