import type { DoubleState } from '../double-state.ts';

/**
 * How long the `firstrunwizard` intro plays before its close button appears (facts page, "The browser
 * login", gotcha 6: about 5 s). The double keeps the real delay; tests check the modal's presence, not
 * its timing.
 */
export const FIRST_RUN_WIZARD_CLOSE_DELAY_MS = 5000;

/** Users who closed the wizard (the app's user config `firstrunwizard`/`show` = 0). */
function closedBy(state: DoubleState): Set<string> {
  return state.store('firstrunwizard', () => new Set<string>());
}

/** Whether a user page for `uid` shows the wizard: the app is enabled and the user has not closed it yet. */
export function showsFirstRunWizard(state: DoubleState, uid: string): boolean {
  return state.isEnabled('firstrunwizard') && !closedBy(state).has(uid);
}

/** Records that `uid` closed the wizard (`DELETE /apps/firstrunwizard/wizard`). */
export function closeFirstRunWizard(state: DoubleState, uid: string): void {
  closedBy(state).add(uid);
}

/**
 * The wizard as it sits on a user page: a modal `#firstrunwizard` over everything (it takes every click),
 * whose button `aria-label="Close"` appears after FIRST_RUN_WIZARD_CLOSE_DELAY_MS; closing it tells the
 * server, so that later pages do not show it again.
 */
export function firstRunWizardOverlay(): string {
  return `<div id="firstrunwizard" class="modal-mask" role="dialog" aria-modal="true" aria-labelledby="firstrunwizard-title"
  style="position:fixed;top:0;left:0;right:0;bottom:0;z-index:100000;background:rgba(0,0,0,0.6);display:flex;align-items:center;justify-content:center">
  <div class="modal-container" style="background:#fff;padding:40px;max-width:700px;width:90%;position:relative">
    <h2 id="firstrunwizard-title">A collaboration platform that puts you in control</h2>
    <p class="intro">Focused on privacy, Nextcloud keeps your data in your hands.</p>
    <div class="modal-container__actions"></div>
  </div>
</div>
<script>(function () {
  var wizard = document.getElementById('firstrunwizard');
  if (!wizard) { return; }
  window.setTimeout(function () {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'modal-container__close';
    button.setAttribute('aria-label', 'Close');
    button.textContent = '\\u00d7';
    button.style.position = 'absolute';
    button.style.top = '8px';
    button.style.right = '8px';
    button.addEventListener('click', function () {
      fetch(OC.generateUrl('/apps/firstrunwizard/wizard'), { method: 'DELETE', headers: { requesttoken: OC.requestToken } });
      wizard.parentNode.removeChild(wizard);
    });
    wizard.querySelector('.modal-container').appendChild(button);
  }, ${FIRST_RUN_WIZARD_CLOSE_DELAY_MS});
})();</script>`;
}
