import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, LaunchOptions, Page } from 'playwright-core';
import { startChromium } from '../chromium-launch-options.ts';
import { HarnessError } from '../harness-error.ts';
import type { Progress, TestUser } from '../nextcloud-instance.ts';
import type { CallbackResult, CallbackServer } from '../oauth/callback-server.ts';
import type { AuthorizationRequest } from '../oauth/oauth-client.ts';
import type { SecretRedactor } from '../secret-redactor.ts';
import { redactTraceZip } from './redact-trace.ts';

/**
 * Selectors of the browser login, exactly as the facts page's "The browser login" section gives them
 * (observed in Chromium on NC 32.0.1 with oidc 1.10.0, 1.11.0 and 1.16.6).
 */
export const LOGIN_SELECTORS = {
  user: 'form[name="login"] input[name="user"]',
  password: 'form[name="login"] input[name="password"]',
  submit: 'form[name="login"] button[type="submit"]',
  redirectPage: '#oidc-redirect',
  consentContainer: '#oidc-consent-container',
  allow: '.consent-actions button.primary',
  deny: '.consent-actions button.secondary',
  /** The "Use backup code" link of core's challenge selection (`twofactorselectchallenge.php`). */
  useBackupCode: 'a[href*="/login/challenge/backup_codes"]',
  /** The backup code challenge (`twofactor_backupcodes/templates/challenge.php`). */
  challengeInput: 'form.challenge-form input[name="challenge"]',
  challengeSubmit: 'form.challenge-form button.two-factor-submit',
  firstRunWizard: '#firstrunwizard',
  firstRunWizardClose: '#firstrunwizard button[aria-label="Close"]',
} as const;

/** Texts Nextcloud's login page shows when it refuses a login. */
const LOGIN_ERROR_TEXT = /wrong (login|username) or password|account (is )?disabled|too many requests|temporarily (throttled|blocked)/i;

/** When to keep a trace and a screenshot of a login. */
export type ArtifactMode = 'off' | 'retain-on-failure' | 'on';

/** What `BrowserSession.login` does and where it keeps artifacts. */
export interface BrowserLoginOptions {
  /** Click Allow (default) or Deny if the consent page appears. */
  consent?: 'allow' | 'deny';
  /** Whole-flow timeout in milliseconds (default 60 000; real NC 32 needs 10-17 s on 2 cores). */
  timeoutMs?: number;
  /** Directory for traces and screenshots (kept per `artifacts`). */
  outputDir?: string;
  /** Default `retain-on-failure` when `outputDir` is given, else `off`. */
  artifacts?: ArtifactMode;
  /** A label for the artifact folder (default: the user id). */
  label?: string;
  /**
   * Where the second factor comes from when Nextcloud asks for one: the next unused backup code (see
   * `enableBackupCodes`). Without it a challenge page is ERR_LOGIN_REJECTED.
   */
  secondFactor?: () => string | undefined;
  progress?: Progress;
}

/** What a browser login saw. */
export interface BrowserLoginResult {
  /** The authorization response at the redirect URI (a code, or an OAuth error such as `access_denied`). */
  callback: CallbackResult;
  /** Whether the consent page was shown (and answered). */
  consentShown: boolean;
  /** Whether the login form was filled (false when the context was already logged in). */
  loginFormShown: boolean;
  /** Whether the firstrunwizard modal had to be closed. */
  firstRunWizardClosed: boolean;
  /** Whether a second-factor challenge was answered with a backup code. */
  secondFactorAnswered: boolean;
  /** Paths of the pages the browser went through (no query strings). */
  pages: string[];
  /** Kept artifacts (trace zips, screenshot), if any. */
  artifacts: string[];
}

type PageKind = 'callback' | 'login' | 'redirect' | 'consent' | 'authorize' | 'two-factor' | 'other';

function pageKind(url: URL, redirectUri: URL): PageKind {
  if (url.origin === redirectUri.origin && url.pathname === redirectUri.pathname) return 'callback';
  const path = url.pathname.replace(/^(.*?)\/index\.php(?=\/)/, '$1');
  if (/\/login\/(selectchallenge|challenge)(\/|$)/.test(path)) return 'two-factor';
  if (/\/login$/.test(path)) return 'login';
  if (/\/apps\/oidc\/redirect$/.test(path)) return 'redirect';
  if (/\/apps\/oidc\/consent$/.test(path)) return 'consent';
  if (/\/apps\/oidc\/authorize$/.test(path)) return 'authorize';
  return 'other';
}

/**
 * Waits for a browser operation that has no timeout of its own (newPage, close) at most `ms`: a loaded
 * machine can leave Chromium's page close hanging for minutes. Resolves `undefined` on timeout.
 */
async function bounded<T>(operation: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([operation.catch(() => undefined), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function visibleText(page: Page, max = 300, timeoutMs = 2000): Promise<string> {
  const text = await page
    .locator('body')
    .innerText({ timeout: Math.max(1, Math.min(2000, timeoutMs)) })
    .catch(() => '');
  return text.replace(/\s+/g, ' ').trim().slice(0, max);
}

/**
 * A browser for a run: one Chromium (Debian's or Playwright's, see `chromiumLaunchOptions`), one context
 * per user (so each user keeps their own Nextcloud session), and the browser login of the facts page.
 */
export class BrowserSession {
  private readonly contexts = new Map<string, BrowserContext>();
  /** The page of each user's latest login; the one before is closed in the background. */
  private readonly pages = new Map<string, Page>();

  private constructor(
    /** The Playwright browser. */
    readonly browser: Browser,
    private readonly secrets: SecretRedactor,
    private readonly owned: boolean,
  ) {}

  /** Uses a browser the caller launched (e.g. Playwright Test's worker browser); `close()` leaves it open. */
  static attach(browser: Browser, secrets: SecretRedactor): BrowserSession {
    return new BrowserSession(browser, secrets, false);
  }

  /**
   * Starts the first browser of `chromiumCandidates()` that starts (`startChromium`: NC_OAUTH_LAB_CHROMIUM, a
   * system Chromium or Chrome, Playwright's own), with `options` on top; none starting is ERR_NO_BROWSER.
   */
  static async launch(secrets: SecretRedactor, options: LaunchOptions = {}): Promise<BrowserSession> {
    const started = await startChromium({ launchOptions: options });
    return new BrowserSession(started.browser, secrets, true);
  }

  /** The browser context of a user (created on first use; cookies stay in it for the run). */
  async context(user: Pick<TestUser, 'uid'>): Promise<BrowserContext> {
    let context = this.contexts.get(user.uid);
    if (!context) {
      context = await this.browser.newContext({ ignoreHTTPSErrors: false });
      this.contexts.set(user.uid, context);
    }
    return context;
  }

  /** Drops a user's context (their Nextcloud session); the next login starts from the login page. */
  async forget(user: Pick<TestUser, 'uid'>): Promise<void> {
    const context = this.contexts.get(user.uid);
    this.contexts.delete(user.uid);
    this.pages.delete(user.uid);
    if (context) await bounded(context.close(), 10_000);
  }

  /**
   * The browser login of the facts page: opens the authorization URL, fills the login page once its
   * JavaScript has rendered the form, lets the redirect page forward itself, answers the consent page
   * (closing the firstrunwizard modal if it covers it), and resolves with what reached the redirect URI.
   * Waits on URL conditions and selectors, never on network idle. The password is typed while tracing is
   * paused, and kept traces are rewritten without secrets.
   *
   * Throws ERR_LOGIN_REJECTED (the login page came back, e.g. "Wrong login or password."),
   * ERR_AUTHORIZE_ERROR_PAGE (an error page instead of a redirect, e.g. an unregistered redirect_uri),
   * ERR_CALLBACK or ERR_BROWSER.
   */
  async login(user: TestUser, request: AuthorizationRequest, callbacks: CallbackServer, options: BrowserLoginOptions = {}): Promise<BrowserLoginResult> {
    const secrets = this.secrets.add(user.password, request.codeVerifier);
    const progress = options.progress ?? (() => undefined);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1000, deadline - Date.now());
    const mode: ArtifactMode = options.artifacts ?? (options.outputDir ? 'retain-on-failure' : 'off');
    const dir = options.outputDir ? join(options.outputDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${(options.label ?? user.uid).replace(/[^A-Za-z0-9._-]/g, '_')}`) : undefined;
    const tracing = mode !== 'off' && dir !== undefined;
    const traces: string[] = [];
    const context = await this.context(user);
    const redirectUri = new URL(request.redirectUri);
    const result: BrowserLoginResult = { callback: undefined as unknown as CallbackResult, consentShown: false, loginFormShown: false, firstRunWizardClosed: false, secondFactorAnswered: false, pages: [], artifacts: [] };
    let page: Page | undefined;
    let recording = false;

    if (tracing) {
      await mkdir(dir, { recursive: true });
      await context.tracing.start({ screenshots: true, snapshots: true, title: `nc-oauth-lab login ${user.uid}` });
      recording = true;
    }
    callbacks.expect(request.state);
    const arrived = callbacks.wait(request.state, timeoutMs);
    // The redirect URI can be reached without the page going there: the consent page's Allow and Deny
    // buttons call fetch() with redirect 'follow' (H2CK/oidc src/Consent.vue), so the authorization
    // response reaches the callback server while the browser moves on to /authorize or '/'.
    let delivered = false;
    arrived.then(
      () => (delivered = true),
      () => undefined,
    );
    try {
      page = await this.page(user, context, left());
      // Every wait below takes its time from the flow's deadline (left()); a wait that names none gets
      // the whole flow's time, never Playwright's 30 s default.
      page.setDefaultTimeout(timeoutMs);
      page.setDefaultNavigationTimeout(timeoutMs);
      progress(`browser: opening the authorization URL for ${user.uid}`);
      await page.goto(request.url.href, { waitUntil: 'commit', timeout: left() });
      let submitted = false;
      for (let step = 0; step < 20; step++) {
        const url = new URL(page.url());
        const kind = pageKind(url, redirectUri);
        result.pages.push(url.pathname);
        if (kind === 'callback' || delivered) break;
        if (kind === 'login') {
          if (submitted) {
            const message = await page
              .getByText(LOGIN_ERROR_TEXT)
              .first()
              .textContent({ timeout: Math.min(left(), 10_000) })
              .catch(() => null);
            throw new HarnessError(
              'ERR_LOGIN_REJECTED',
              message ? `Nextcloud refused the login of ${user.uid}: ${message.trim()}` : `the login page came back after the login of ${user.uid} was sent (no error shown; NC >= 34 does this for a POST without Origin)`,
              { detail: { page: url.pathname, message: message?.trim() ?? '' } },
            );
          }
          progress('browser: login page, waiting for the form');
          await page.locator(LOGIN_SELECTORS.user).waitFor({ state: 'visible', timeout: left() });
          result.loginFormShown = true;
          await page.locator(LOGIN_SELECTORS.user).fill(user.uid, { timeout: left() });
          if (recording && dir) {
            const path = join(dir, 'trace-1-before-password.zip');
            await context.tracing.stopChunk({ path });
            traces.push(path);
            recording = false;
          }
          await page.locator(LOGIN_SELECTORS.password).focus({ timeout: left() });
          await page.keyboard.insertText(user.password);
          await submitForm(page, LOGIN_SELECTORS.submit, left(), () => pageKind(new URL(page!.url()), redirectUri) !== 'login');
          submitted = true;
          // The login page and its POST are behind us: record again.
          if (tracing) {
            await context.tracing.startChunk({ title: `nc-oauth-lab login ${user.uid} (after the password)` });
            recording = true;
          }
          continue;
        }
        if (kind === 'redirect') {
          progress('browser: redirect page, waiting for it to forward');
          await page.waitForURL((u) => pageKind(u, redirectUri) !== 'redirect', { waitUntil: 'commit', timeout: left() });
          continue;
        }
        if (kind === 'consent') {
          progress(`browser: consent page, clicking ${options.consent === 'deny' ? 'Deny' : 'Allow'}`);
          result.consentShown = true;
          await page.locator(LOGIN_SELECTORS.consentContainer).waitFor({ state: 'visible', timeout: left() });
          result.firstRunWizardClosed = (await closeFirstRunWizard(page, left())) || result.firstRunWizardClosed;
          // The wizard can mount after the consent page (its own script): a click it intercepts is retried
          // after closing it.
          const button = page.locator(options.consent === 'deny' ? LOGIN_SELECTORS.deny : LOGIN_SELECTORS.allow);
          for (;;) {
            try {
              await button.click({ timeout: Math.min(left(), 3000) });
              break;
            } catch (error) {
              if (Date.now() >= deadline) throw error;
              if (await closeFirstRunWizard(page, left())) result.firstRunWizardClosed = true;
            }
          }
          try {
            const moved = page.waitForURL((u) => pageKind(u, redirectUri) !== 'consent', { waitUntil: 'commit', timeout: Math.min(left(), 20_000) });
            moved.catch(() => undefined);
            await Promise.race([moved, arrived]);
          } catch (error) {
            throw new HarnessError('ERR_BROWSER', `the consent page stayed after ${options.consent === 'deny' ? 'Deny' : 'Allow'}: ${secrets.redact(await visibleText(page, 300, left()))}`, { cause: error });
          }
          if (delivered) break;
          continue;
        }
        if (kind === 'authorize') {
          await page.waitForLoadState('load', { timeout: left() }).catch(() => undefined);
          if (pageKind(new URL(page.url()), redirectUri) !== 'authorize') continue;
          const text = secrets.redact(await visibleText(page, 300, left()));
          throw new HarnessError('ERR_AUTHORIZE_ERROR_PAGE', `Nextcloud showed an error page instead of redirecting: ${text || '(empty page)'}`, { detail: { page: url.pathname, text } });
        }
        if (kind === 'two-factor') {
          if (!options.secondFactor) {
            throw new HarnessError('ERR_LOGIN_REJECTED', `Nextcloud asks ${user.uid} for a second factor: use a test user without two-factor authentication, or give the login its backup codes`, { detail: { page: url.pathname } });
          }
          if (/\/login\/selectchallenge$/.test(url.pathname)) {
            progress('browser: second-factor selection, choosing a backup code');
            const link = page.locator(LOGIN_SELECTORS.useBackupCode);
            if (!(await link.count())) throw new HarnessError('ERR_LOGIN_REJECTED', `Nextcloud asks ${user.uid} for a second factor but offers no backup code: ${secrets.redact(await visibleText(page, 200, left()))}`, { detail: { page: url.pathname } });
            await submitForm(page, LOGIN_SELECTORS.useBackupCode, left(), () => !/\/login\/selectchallenge$/.test(new URL(page!.url()).pathname));
            continue;
          }
          if (result.secondFactorAnswered) {
            throw new HarnessError('ERR_LOGIN_REJECTED', `Nextcloud refused the backup code of ${user.uid}: ${secrets.redact(await visibleText(page, 200, left()))}`, { detail: { page: url.pathname } });
          }
          const code = options.secondFactor();
          if (!code) throw new HarnessError('ERR_LOGIN_REJECTED', `no unused backup code left for ${user.uid}`, { detail: { page: url.pathname } });
          secrets.add(code);
          progress('browser: second-factor challenge, answering with a backup code');
          await page.locator(LOGIN_SELECTORS.challengeInput).fill(code, { timeout: left() });
          const challengePath = url.pathname;
          await submitForm(page, LOGIN_SELECTORS.challengeSubmit, left(), () => new URL(page!.url()).pathname !== challengePath);
          result.secondFactorAnswered = true;
          continue;
        }
        // A page of Nextcloud after the consent page: wait briefly for a response the page's fetch delivered.
        if (result.consentShown && (await Promise.race([arrived.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), Math.min(2000, left())))]).catch(() => false))) break;
        throw new HarnessError('ERR_BROWSER', `the browser ended on ${secrets.redactUrl(url.origin + url.pathname)}, not on the redirect URI, the login, redirect or consent page: ${secrets.redact(await visibleText(page, 200, left()))}`, { detail: { page: url.pathname } });
      }
      result.callback = await arrived;
      secrets.add(result.callback.code);
      progress(result.callback.error ? `browser: the redirect URI received error=${result.callback.error}` : 'browser: the redirect URI received a code');
      await this.finish(context, page, dir, traces, recording, mode === 'on' ? 'keep' : 'discard', result);
      return result;
    } catch (error) {
      callbacks.cancel(request.state);
      const failure = error instanceof HarnessError ? error : new HarnessError('ERR_BROWSER', `the browser login failed: ${secrets.redact(error instanceof Error ? error.message.split('\n')[0]! : String(error))}`, { cause: error });
      await this.finish(context, page, dir, traces, recording, mode === 'off' ? 'discard' : 'keep', result).catch(() => undefined);
      if (result.artifacts.length > 0) failure.message += ` (trace and screenshot in ${dir})`;
      throw failure;
    }
  }

  private async finish(context: BrowserContext, page: Page | undefined, dir: string | undefined, traces: string[], recording: boolean, what: 'keep' | 'discard', result: BrowserLoginResult): Promise<void> {
    if (dir && recording) {
      const path = join(dir, `trace-${traces.length + 1}${traces.length > 0 ? '-after-login' : ''}.zip`);
      await context.tracing.stopChunk(what === 'keep' ? { path } : {});
      if (what === 'keep') traces.push(path);
    }
    if (dir) await context.tracing.stop().catch(() => undefined);
    if (what === 'keep' && dir) {
      if (page && !page.isClosed()) {
        const shot = join(dir, 'screenshot.png');
        await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
        result.artifacts.push(shot);
      }
      for (const trace of traces) {
        await redactTraceZip(trace, this.secrets);
        result.artifacts.push(trace);
      }
    } else if (dir) {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * A fresh page for the user's next login. The last login's page is closed in the background, never
   * reused: its scripts (the redirect page, the consent page's fetch) may still start navigations that
   * would interrupt the next one, and a page close can hang on a loaded machine, so it is not awaited.
   */
  private async page(user: Pick<TestUser, 'uid'>, context: BrowserContext, timeoutMs: number): Promise<Page> {
    const previous = this.pages.get(user.uid);
    const created = await bounded(context.newPage(), timeoutMs);
    if (!created) throw new HarnessError('ERR_BROWSER', `Chromium did not open a page within ${Math.round(timeoutMs / 1000)} s`);
    this.pages.set(user.uid, created);
    if (previous && !previous.isClosed()) void bounded(previous.close({ runBeforeUnload: false }), 10_000);
    return created;
  }

  /** Closes every context, and the browser if this session launched it. */
  async close(): Promise<void> {
    for (const context of this.contexts.values()) await bounded(context.close(), 10_000);
    this.contexts.clear();
    this.pages.clear();
    if (this.owned) await bounded(this.browser.close(), 30_000);
  }
}

/**
 * Submits a form (clicks `submitSelector`) and waits for the page to move on, within `timeoutMs`. The click and the
 * navigation race: under load the POST can be answered and the page be on its way to the redirect page
 * while Playwright still waits on the click (observed against real NC 32: `locator.click: Timeout 30000ms
 * exceeded` with the redirect page already shown). A click that fails or hangs is not an error when the
 * page navigated or `progressed()` says the page left the login form; only a click that fails while the
 * page stays on the form is.
 */
export async function submitForm(page: Page, submitSelector: string, timeoutMs: number, progressed: () => boolean): Promise<void> {
  let moved = false;
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: timeoutMs }).then(() => void (moved = true));
  navigated.catch(() => undefined);
  const clicked = page.locator(submitSelector).click({ timeout: timeoutMs });
  clicked.catch(() => undefined);
  try {
    await Promise.race([clicked, navigated]);
  } catch (error) {
    if (!moved && !progressed()) throw error;
    return;
  }
  if (moved) return;
  try {
    await navigated;
  } catch (error) {
    if (!progressed()) throw error;
  }
}

/**
 * Closes the firstrunwizard modal if it covers the page (facts page, gotcha 6): its close button appears
 * only after a ~5 s intro. Returns whether it was there.
 */
export async function closeFirstRunWizard(page: Page, timeoutMs: number): Promise<boolean> {
  await page.waitForLoadState('load', { timeout: timeoutMs }).catch(() => undefined);
  const wizard = page.locator(LOGIN_SELECTORS.firstRunWizard);
  if (!(await wizard.isVisible())) return false;
  const close = page.locator(LOGIN_SELECTORS.firstRunWizardClose);
  await close.waitFor({ state: 'visible', timeout: Math.min(timeoutMs, 20_000) });
  await close.click({ timeout: Math.min(timeoutMs, 10_000) });
  await wizard.waitFor({ state: 'hidden', timeout: Math.min(timeoutMs, 10_000) });
  return true;
}
