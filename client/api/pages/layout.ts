/**
 * The page shell: landmarks (header with navigation, main, footer), a skip link, the identity
 * panel (API token when auth is on, approver name when it is off) and the content area the page
 * script fills and refreshes from the page's fragment URL.
 */
import { html, type SafeHtml } from './html';

/** Which page is shown (marks the current navigation entry). */
export type PageName = 'approvals' | 'runs' | 'run';

/** What {@link renderPage} needs. */
export interface PageSpec {
  name: PageName;
  /** Document title (before " · Phasegate") and `h1`. */
  title: string;
  /** Short text under the `h1`. */
  intro?: SafeHtml | string;
  /** True when the API has tokens configured. */
  authOn: boolean;
  /** Where the page script reads (and re-reads) the content, e.g. `/fragments/approvals`. */
  fragmentUrl: string;
  /** Refresh period in ms (0: only on demand). */
  refreshMs: number;
  /** Server-rendered content (only when auth is off); otherwise the page script loads it. */
  content?: SafeHtml;
  /** An error shown instead of content (e.g. an unknown run). */
  error?: string;
}

function nav(current: PageName): SafeHtml {
  const link = (href: string, label: string, active: boolean) =>
    html`<li><a href="${href}"${active ? html` aria-current="page"` : ''}>${label}</a></li>`;
  return html`<nav aria-label="Main"><ul>${link('/', 'Approvals', current === 'approvals')}${link('/runs', 'Runs', current === 'runs')}</ul></nav>`;
}

function identityPanel(authOn: boolean): SafeHtml {
  if (authOn) {
    // A labelled region, not a heading: headings start with the page's h1 inside <main>.
    return html`<section class="identity" aria-label="Sign in">
      <form id="signin" class="signin">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" spellcheck="false" required aria-describedby="token-hint">
        <label class="check"><input id="remember" type="checkbox"> Remember on this device</label>
        <button type="submit" class="btn">Sign in</button>
        <p id="token-hint" class="hint">Your token stays in this browser (this tab only unless you tick "remember") and is sent as <code>Authorization: Bearer</code>; your votes are recorded under its identity.</p>
      </form>
      <p id="signed-in" class="signed-in" hidden><span id="who">Signed in.</span> <button type="button" id="signout" class="btn btn-quiet">Sign out</button></p>
    </section>`;
  }
  return html`<section class="identity" aria-label="Who is voting">
    <div class="approver-field">
      <label for="approver">Your name (approver)</label>
      <input id="approver" name="approver" type="text" autocomplete="username" spellcheck="false" maxlength="200" aria-describedby="approver-hint">
      <p id="approver-hint" class="hint">This server runs without tokens, so it records votes under the name you type here. It must be on the gate's approver list.</p>
    </div>
  </section>`;
}

/** A complete HTML document. */
export function renderPage(spec: PageSpec): SafeHtml {
  const placeholder = spec.authOn
    ? html`<p class="signin-needed">Sign in with your API token to see this page's data.</p>
      <noscript><p class="error">This page loads its data with your token and needs JavaScript for that.</p></noscript>`
    : html`<p class="muted">Loading…</p>`;
  const body = spec.error ? html`<p class="error" role="alert">${spec.error}</p>` : (spec.content ?? placeholder);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${spec.title} · Phasegate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/pages.css">
<script src="/assets/pages.js" defer></script>
</head>
<body data-auth="${spec.authOn ? 'on' : 'off'}" data-page="${spec.name}" data-fragment="${spec.fragmentUrl}" data-refresh="${spec.refreshMs}">
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a class="brand" href="/">Phasegate</a>
  ${nav(spec.name)}
</header>
${identityPanel(spec.authOn)}
<main id="main" tabindex="-1">
  <div class="page-head">
    <h1>${spec.title}</h1>
    <div class="refresh-controls">
      ${spec.refreshMs > 0 ? html`<label class="check"><input id="auto-refresh" type="checkbox" checked> Refresh every ${spec.refreshMs / 1000} s</label>` : ''}
      <button type="button" id="refresh" class="btn btn-quiet">Refresh now</button>
    </div>
  </div>
  ${spec.intro ? html`<p class="intro">${spec.intro}</p>` : ''}
  <div id="notice" role="status" aria-live="polite"></div>
  <div id="content">${body}</div>
  <p class="updated muted" id="updated" aria-hidden="true"></p>
</main>
<footer class="site"><p>Phasegate · <a href="/api/openapi.json">API (OpenAPI)</a> · data comes from Temporal; every vote is in the run's history.</p></footer>
</body>
</html>
`;
}
