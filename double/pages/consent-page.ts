import type { DoubleState, DoubleUser } from '../double-state.ts';
import { escapeHtml } from './render-page.ts';
import { userPage } from './user-page.ts';

/**
 * Script of the consent page: mounts `#oidc-consent-container` into `#oidc-consent` with the heading
 * "Application Authorization Request", one checkbox `#scope-<name>` per requested scope (all ticked,
 * `openid` disabled), and the buttons Deny (`.consent-actions button.secondary`) and Allow
 * (`.consent-actions button.primary`). Allow posts the ticked scopes to `/apps/oidc/consent/grant` with
 * the `requesttoken` header and follows where the answer leads (or goes back to `/authorize` when the
 * answer cannot be followed); Deny posts to `/apps/oidc/consent/deny` the same way, falling back to `/`.
 */
const CONSENT_SCRIPT = `document.addEventListener('DOMContentLoaded', function () {
  var root = document.getElementById('oidc-consent');
  var clientName = root.getAttribute('data-client-name') || 'Unknown Application';
  var requested = root.getAttribute('data-scopes') || 'openid';
  var descriptions = {
    openid: ['Basic authentication', 'Verify your identity (required)'],
    profile: ['Profile information', 'Access your name, username, profile picture, and quota'],
    email: ['Email address', 'Access your email address and verification status'],
    roles: ['Group memberships', 'Access your Nextcloud groups and roles'],
    groups: ['Group memberships', 'Access your Nextcloud group information'],
    offline_access: ['Access when you are away', 'Allow this app to access your data even when you are not signed in']
  };
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  var scopes = requested.split(' ').filter(function (s) { return s.trim() !== ''; });
  var container = el('div', { id: 'oidc-consent-container' });
  container.style.cssText = 'position:fixed;top:0;left:0;right:0;bottom:0;display:flex;justify-content:center;align-items:center;background:rgba(0,0,0,0.5);z-index:2000';
  var box = el('div', { 'class': 'consent-box' });
  box.style.cssText = 'max-width:600px;width:100%;padding:30px;background:#fff';
  box.appendChild(el('h2', {}, 'Application Authorization Request'));
  box.appendChild(el('p', { 'class': 'consent-intro' }, clientName + ' is requesting access to your account.'));
  var list = el('div', { 'class': 'consent-scopes' });
  list.appendChild(el('h3', {}, 'This application will be able to:'));
  var checkboxes = [];
  scopes.forEach(function (scope) {
    var item = el('div', { 'class': 'scope-item' });
    var box2 = el('input', { id: 'scope-' + scope, type: 'checkbox', value: scope, 'class': 'checkbox' });
    box2.checked = true;
    if (scope === 'openid') { box2.disabled = true; }
    var text = descriptions[scope] || [scope, ''];
    var label = el('label', { 'for': 'scope-' + scope, 'class': 'scope-label' });
    label.appendChild(el('span', { 'class': 'scope-title' }, text[0]));
    label.appendChild(el('span', { 'class': 'scope-description' }, text[1]));
    item.appendChild(box2);
    item.appendChild(label);
    list.appendChild(item);
    checkboxes.push(box2);
  });
  box.appendChild(list);
  var actions = el('div', { 'class': 'consent-actions' });
  var deny = el('button', { 'class': 'button secondary', type: 'button' }, 'Deny');
  var allow = el('button', { 'class': 'button primary', type: 'button' }, 'Allow');
  actions.appendChild(deny);
  actions.appendChild(allow);
  box.appendChild(actions);
  box.appendChild(el('p', { 'class': 'consent-note' }, 'You can revoke this access at any time from your account settings.'));
  container.appendChild(box);
  function selected() { return checkboxes.filter(function (c) { return c.checked; }).map(function (c) { return c.value; }); }
  checkboxes.forEach(function (c) { c.addEventListener('change', function () { allow.disabled = selected().length === 0; }); });
  allow.addEventListener('click', function () {
    fetch(OC.generateUrl('/apps/oidc/consent/grant'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', requesttoken: OC.requestToken },
      body: 'scopes=' + encodeURIComponent(selected().join(' ')),
      redirect: 'follow'
    }).then(function (response) {
      window.location.href = response.redirected ? response.url : OC.generateUrl('/apps/oidc/authorize');
    }, function () {
      window.location.href = OC.generateUrl('/apps/oidc/authorize');
    });
  });
  deny.addEventListener('click', function () {
    fetch(OC.generateUrl('/apps/oidc/consent/deny'), { method: 'POST', headers: { requesttoken: OC.requestToken }, redirect: 'follow' })
      .then(function (response) {
        window.location.href = response.redirected ? response.url : OC.generateUrl('/');
      }, function () {
        window.location.href = OC.generateUrl('/');
      });
  });
  root.innerHTML = '';
  root.appendChild(container);
});`;

/** The consent page (`/apps/oidc/consent`): `<div id="oidc-consent" data-client-name data-scopes data-client-id>` and its script. */
export function consentPage(state: DoubleState, user: DoubleUser, requestToken: string, consent: { clientName: string; scopes: string; clientId: string }): string {
  const body = `<div id="oidc-consent" data-client-name="${escapeHtml(consent.clientName)}" data-scopes="${escapeHtml(consent.scopes)}" data-client-id="${escapeHtml(consent.clientId)}"></div>`;
  return userPage(state, user, requestToken, 'OpenID Connect', body, CONSENT_SCRIPT);
}

