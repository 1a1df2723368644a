import type { DoubleUser } from '../double-state.ts';

/** HTML-escapes text for element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#039;');
}

/** Nextcloud's URLs carry `/index.php` unless pretty URLs are configured; the double's never are. */
export const INDEX_PHP = '/index.php';

/**
 * The part of Nextcloud's core JavaScript every page gets: `OC.requestToken` read from
 * `<head data-requesttoken>`, `OC.webroot`, and `OC.generateUrl` (`@nextcloud/router`'s generateUrl).
 */
const CORE_SCRIPT = `(function () {
  var head = document.head;
  window.OC = window.OC || {};
  OC.webroot = '';
  OC.requestToken = head.getAttribute('data-requesttoken');
  OC.currentUser = head.getAttribute('data-user');
  OC.generateUrl = function (path) { return OC.webroot + '${INDEX_PHP}' + (path.charAt(0) === '/' ? path : '/' + path); };
  OC.loadState = function (app, key, fallback) {
    var el = document.getElementById('initial-state-' + app + '-' + key);
    if (!el) { return fallback; }
    return JSON.parse(atob(el.value));
  };
})();`;

/** Options of a rendered page. */
export interface PageOptions {
  title: string;
  /** The session's CSRF token (`<head data-requesttoken>`). */
  requestToken: string;
  /** Body markup rendered by the server (often only a mount point). */
  body: string;
  /** Script run after the core script, at the end of the body. */
  script?: string;
  /** Initial state (`IInitialState`): app -> key -> JSON value, as hidden inputs. */
  initialState?: Record<string, Record<string, unknown>>;
  /** Logged-in user for the user layout (`data-user`, header). */
  user?: DoubleUser;
  /** Extra markup at the end of the body (for example the first run wizard). */
  overlay?: string;
  /** Referrer policy of the page: core's layouts say `no-referrer`; the login page of NC 34 adds `same-origin`. */
  referrer?: 'no-referrer' | 'same-origin';
  /** `id` of `<body>`: `body-login` (guest), `body-user`. */
  bodyId?: 'body-login' | 'body-user' | 'body-public';
}

/** Renders a Nextcloud page: guest layout without `user`, user layout with it. */
export function renderPage(options: PageOptions): string {
  const user = options.user;
  const headData = user
    ? ` data-user="${escapeHtml(user.uid)}" data-user-displayname="${escapeHtml(user.displayName)}" data-requesttoken="${escapeHtml(options.requestToken)}"`
    : ` data-requesttoken="${escapeHtml(options.requestToken)}"`;
  const states = Object.entries(options.initialState ?? {})
    .flatMap(([app, values]) => Object.entries(values).map(([key, value]) => `<input type="hidden" id="initial-state-${escapeHtml(app)}-${escapeHtml(key)}" value="${Buffer.from(JSON.stringify(value)).toString('base64')}">`))
    .join('\n');
  const header = user
    ? `<header id="header"><div class="header-left"><a href="${INDEX_PHP}/apps/dashboard/" id="nextcloud">Nextcloud</a></div><div class="header-right"><span id="user-menu" aria-label="Settings menu">${escapeHtml(user.displayName)}</span></div></header>`
    : '';
  const bodyId = options.bodyId ?? (user ? 'body-user' : 'body-login');
  return `<!DOCTYPE html>
<html class="ng-csp" data-placeholder-focus="false" lang="en" data-locale="en" translate="no">
<head${headData}>
<meta charset="utf-8">
<title>${escapeHtml(options.title)} - Nextcloud</title>
<meta name="viewport" content="width=device-width, initial-scale=1.0, minimum-scale=1.0">
<meta name="referrer" content="no-referrer">${options.referrer === 'same-origin' ? '\n<meta name="referrer" content="same-origin">' : ''}
</head>
<body id="${bodyId}">
${states}
<noscript><div id="nojavascript"><div>This application requires JavaScript for correct operation. Please enable JavaScript and reload the page.</div></div></noscript>
${header}
<main id="content" class="app-${bodyId === 'body-user' ? 'core' : 'guest'}">
${options.body}
</main>
${options.overlay ?? ''}
<script>${CORE_SCRIPT}</script>
${options.script ? `<script>${options.script}</script>` : ''}
</body>
</html>
`;
}

/**
 * Core's `403` error template in the guest layout: "Access forbidden" and the message. Nextcloud answers it
 * with HTTP 200 (TemplateResponse('core', '403', ...) sets no status).
 */
export function accessForbiddenPage(message: string, requestToken: string): string {
  return renderPage({
    title: 'Access forbidden',
    requestToken,
    body: `<div class="guest-box"><h2>Access forbidden</h2><p class="hint">${escapeHtml(message)}</p></div>`,
  });
}

/**
 * The page Nextcloud prints for an exception (status 500). The `oidc` app answers some errors with the
 * template `core/400`, which core does not have, so they end here.
 */
export function internalErrorPage(requestToken: string): string {
  return renderPage({
    title: 'Internal Server Error',
    requestToken,
    body: `<div class="guest-box"><h2>Internal Server Error</h2><p>The server was unable to complete your request.</p><p>If this happens again, please send the technical details below to the server administrator.</p><p>More details can be found in the server log.</p></div>`,
  });
}

/** Core's `429` template: too many requests. */
export function tooManyRequestsPage(requestToken: string): string {
  return renderPage({
    title: 'Too many requests',
    requestToken,
    body: `<div class="guest-box"><h2>Too many requests</h2><p class="hint">There were too many requests from your network. Retry later or contact your administrator if this is an error.</p></div>`,
  });
}
