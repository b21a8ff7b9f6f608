/**
 * The pages' stylesheet and script. Each is kept in several files by role (under `assets/styles/`
 * and `assets/scripts/`) and served as one response, at the one URL the page shell links
 * (`/assets/pages.css`, `/assets/pages.js`): the pages need one request for each, and their HTML
 * and CSP stay the same however the files are split.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Router } from 'express';
import { send } from './security';

const ASSETS_DIR = join(__dirname, 'assets');

/**
 * The parts of `/assets/pages.css`, in cascade order (a later rule wins a tie, so the order is part
 * of the style): tokens, reset and type; the page frame, identity panel, forms and buttons; badges,
 * cards, gates and votes (approvals); tables, run summary and step graph (run page); narrow
 * screens, reduced motion and the refresh controls.
 */
export const PAGE_STYLESHEETS = ['base.css', 'frame.css', 'cards.css', 'run.css', 'responsive.css'] as const;

/**
 * The parts of `/assets/pages.js`, in order: who you are, loading and refreshing, votes and
 * start-up. They are one script in three files: see {@link pageScript}.
 */
export const PAGE_SCRIPTS = ['identity.js', 'refresh.js', 'votes.js'] as const;

/** The two assets' bodies, as served. */
export interface PageAssets {
  readonly css: string;
  readonly js: string;
}

/**
 * The stylesheet: its parts joined by a blank line, in {@link PAGE_STYLESHEETS} order (each part
 * ends with a newline, so the result reads like one file with its sections separated as before).
 */
export function pageStylesheet(parts: readonly string[]): string {
  return parts.join('\n');
}

/**
 * The script: its parts, in {@link PAGE_SCRIPTS} order, inside one strict-mode function run at once.
 * That one scope is what lets the parts use each other's names (and keeps them out of `window`);
 * function declarations are hoisted across all parts, top-level statements run in part order.
 */
export function pageScript(parts: readonly string[]): string {
  return `(function () {\n  'use strict';\n\n${parts.join('\n')}})();\n`;
}

function readParts(dir: string, names: readonly string[]): string[] {
  return names.map((name) => readFileSync(join(dir, name), 'utf8'));
}

/**
 * Reads every part and builds both assets. Throws (ENOENT) when a part is missing: called at
 * startup, so a broken install fails then, not on a page's first request.
 * @param dir the assets folder (default: `assets/` next to this module).
 */
export function loadPageAssets(dir = ASSETS_DIR): PageAssets {
  return {
    css: pageStylesheet(readParts(join(dir, 'styles'), PAGE_STYLESHEETS)),
    js: pageScript(readParts(join(dir, 'scripts'), PAGE_SCRIPTS)),
  };
}

/**
 * Serves `GET /assets/pages.css` and `GET /assets/pages.js` on `router` from `assets` (read once,
 * by default now), with the pages' security headers and `Cache-Control: no-store`.
 */
export function mountPageAssets(router: Router, assets: PageAssets = loadPageAssets()): void {
  router.get('/assets/pages.css', (_req, res) => send(res, 200, assets.css, 'text/css; charset=utf-8'));
  router.get('/assets/pages.js', (_req, res) => send(res, 200, assets.js, 'text/javascript; charset=utf-8'));
}
