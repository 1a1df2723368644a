import { INDEX_PHP, escapeHtml, renderPage } from './render-page.ts';

/** What core's LoginController::showLoginForm hands to the page as initial state. */
export interface LoginPageState {
  requestToken: string;
  /** `loginRedirectUrl`: posted back as `redirect_url`. */
  redirectUrl?: string;
  /** `loginUsername`: the user field's value after a failed attempt. */
  username: string;
  /** `loginErrors`: `invalidpassword`, `csrfCheckFailed`, `invalidOrigin`, `userdisabled`, or a message. */
  errors: string[];
  /** `loginMessages`. */
  messages: string[];
  /** The `direct=1` parameter. */
  direct: boolean;
  /**
   * NC >= 34 adds `<meta name="referrer" content="same-origin">` so that the browser's login POST carries a
   * real `Origin` (under core's `no-referrer` a POST says `Origin: null`).
   */
  sameOriginReferrer: boolean;
}

/**
 * Builds the login form the way Nextcloud's Vue login does, after the document has loaded: nothing of the
 * form is in the served HTML. `form[name="login"]` posts `user`, `password`, `redirect_url`, `timezone`,
 * `timezone_offset`, `requesttoken` (and `direct`) to `/index.php/login`. Error texts are core's:
 * `invalidpassword` shows "Wrong login or password.", `csrfCheckFailed` "Please try again.", and an
 * `invalidOrigin` error shows nothing at all.
 */
const LOGIN_SCRIPT = `document.addEventListener('DOMContentLoaded', function () {
  var mount = document.getElementById('login');
  var redirectUrl = OC.loadState('core', 'loginRedirectUrl', false);
  var username = OC.loadState('core', 'loginUsername', '');
  var errors = OC.loadState('core', 'loginErrors', []);
  var messages = OC.loadState('core', 'loginMessages', []);
  var direct = OC.loadState('core', 'loginDirect', false);
  var known = ['invalidpassword', 'csrfCheckFailed', 'invalidOrigin', 'userdisabled', 'apacheAuthFailed', 'internalexception'];
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function hidden(name, value) { return el('input', { type: 'hidden', name: name, value: String(value) }); }
  var form = el('form', { name: 'login', method: 'post', action: OC.generateUrl('/login'), 'class': 'login-form' });
  var fieldset = el('fieldset', { 'class': 'login-form__fieldset', 'data-login-form': '' });
  form.appendChild(fieldset);
  if (errors.indexOf('csrfCheckFailed') !== -1) {
    var note = el('div', { 'class': 'notecard notecard--error', role: 'alert' });
    note.appendChild(el('h3', {}, 'Temporary error'));
    note.appendChild(el('p', {}, 'Please try again.'));
    fieldset.appendChild(note);
  }
  var extra = errors.filter(function (e) { return known.indexOf(e) === -1; }).concat(messages);
  if (extra.length > 0) {
    var card = el('div', { 'class': 'notecard', role: 'note' });
    extra.forEach(function (m) { card.appendChild(el('div', {}, m)); });
    fieldset.appendChild(card);
  }
  fieldset.appendChild(el('h2', { 'class': 'login-form__headline', 'data-login-form-headline': '' }, 'Log in to Nextcloud'));
  var userLabel = el('label', { 'for': 'user' }, 'Login with username or email');
  var user = el('input', { id: 'user', name: 'user', type: 'text', maxlength: '255', autocapitalize: 'none', spellcheck: 'false', autocomplete: 'username', required: '', 'data-login-form-input-user': '' });
  user.value = username;
  var passwordLabel = el('label', { 'for': 'password' }, 'Password');
  var password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', spellcheck: 'false', required: '', 'data-login-form-input-password': '' });
  fieldset.appendChild(userLabel);
  fieldset.appendChild(user);
  fieldset.appendChild(passwordLabel);
  fieldset.appendChild(password);
  var errorLabel = errors.indexOf('invalidpassword') !== -1 ? 'Wrong login or password.'
    : errors.indexOf('userdisabled') !== -1 ? 'This account is disabled' : '';
  if (errorLabel !== '') {
    user.className = 'shake';
    password.className = 'shake';
    fieldset.appendChild(el('p', { 'class': 'input-field__helper-text-message input-field__helper-text-message--error', id: 'password-helper-text' }, errorLabel));
  }
  var button = el('button', { type: 'submit', 'class': 'button-vue button-vue--vue-primary', 'data-login-form-submit': '' }, 'Log in');
  fieldset.appendChild(button);
  if (redirectUrl) { fieldset.appendChild(hidden('redirect_url', redirectUrl)); }
  fieldset.appendChild(hidden('timezone', (new Intl.DateTimeFormat()).resolvedOptions().timeZone || 'UTC'));
  fieldset.appendChild(hidden('timezone_offset', -new Date().getTimezoneOffset() / 60));
  fieldset.appendChild(hidden('requesttoken', OC.requestToken));
  if (direct) { fieldset.appendChild(hidden('direct', '1')); }
  form.addEventListener('submit', function () { button.textContent = 'Logging in …'; });
  mount.appendChild(form);
  (username === '' ? user : password).focus();
});`;

/** Core's login page (guest layout): a mount point, the initial state, and the script that builds the form. */
export function loginPage(state: LoginPageState): string {
  return renderPage({
    title: 'Login',
    requestToken: state.requestToken,
    ...(state.sameOriginReferrer ? { referrer: 'same-origin' as const } : {}),
    body: `<div id="login" class="guest-box login-box"></div>`,
    initialState: {
      core: {
        loginUsername: state.username,
        loginErrors: state.errors,
        loginMessages: state.messages,
        loginAutocomplete: true,
        loginThrottleDelay: 0,
        loginDirect: state.direct,
        hideLoginForm: false,
        ...(state.redirectUrl !== undefined ? { loginRedirectUrl: state.redirectUrl } : {}),
      },
    },
    script: LOGIN_SCRIPT,
  });
}

/**
 * Core's "select challenge" page (`core/templates/twofactorselectchallenge.php`) for a user without a primary
 * provider (the double plays only backup codes): the "enforced but not configured" notice, then, when the user
 * has backup codes, the "Use backup code" link to `/login/challenge/backup_codes`, and "Cancel login".
 */
export function selectChallengePage(requestToken: string, redirectUrl: string | undefined, backupCodes: boolean): string {
  const query = redirectUrl !== undefined ? `?redirect_url=${encodeURIComponent(redirectUrl)}` : '';
  const notice = backupCodes
    ? 'Two-factor authentication is enforced but has not been configured on your account. Use one of your backup codes to log in or contact your admin for assistance.'
    : 'Two-factor authentication is enforced but has not been configured on your account. Contact your admin for assistance.';
  return renderPage({
    title: 'Two-factor authentication',
    requestToken,
    body: `<div class="guest-box two-factor-select"><h2>Two-factor authentication</h2><p><strong>${notice}</strong></p>
${backupCodes ? `<p><a class="button primary two-factor-primary" href="${INDEX_PHP}/login/challenge/backup_codes${escapeHtml(query)}">Use backup code</a></p>` : ''}
<p><a id="cancel-login" class="two-factor-secondary" href="${INDEX_PHP}/logout?requesttoken=${encodeURIComponent(requestToken)}">Cancel login</a></p></div>`,
  });
}

/**
 * The backup code challenge (`core/templates/twofactorshowchallenge.php` around
 * `twofactor_backupcodes/templates/challenge.php`): `form.challenge-form` without action (it posts to the
 * page's own URL, `redirect_url` in its query) with `input[name="challenge"]` and `button.two-factor-submit`.
 */
export function backupCodeChallengePage(requestToken: string, error: boolean): string {
  return renderPage({
    title: 'Two-factor authentication',
    requestToken,
    body: `<div class="guest-box two-factor-challenge"><h2>Backup code</h2>
${error ? '<p class="warning" role="alert"><strong>Error while validating your second factor</strong></p>' : ''}
<p>Use one of the backup codes you saved when setting up two-factor authentication.</p>
<form method="POST" class="challenge-form">
<input type="text" class="challenge" name="challenge" required="required" autofocus autocomplete="off" autocapitalize="off" placeholder="Backup code">
<button class="two-factor-submit primary" type="submit">Submit</button>
</form></div>`,
  });
}
