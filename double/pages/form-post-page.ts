import { escapeHtml } from './render-page.ts';

/**
 * The `form_post` response mode (OAuth 2.0 Form Post Response Mode): a page whose form posts the answer to
 * the client's redirect URI by itself.
 */
export function formPostPage(redirectUri: string, params: Readonly<Record<string, string>>): string {
  const inputs = Object.entries(params).map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Submit This Form</title></head>
<body onload="document.forms[0].submit()">
<noscript><p>JavaScript is disabled. Click Continue to proceed.</p></noscript>
<form method="post" action="${escapeHtml(redirectUri)}">
${inputs}
<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`;
}
