/**
 * The security headers of the people-facing pages, and the one function that answers with them.
 * Every page, fragment and asset carries a strict Content-Security-Policy: scripts and styles only
 * from this origin, so even a bug in escaping could not run injected script.
 */
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { SafeHtml } from './html';

/** Response headers of every page, fragment and asset (set by {@link send}). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Not `no-referrer`: with it Chromium posts forms with `Origin: null`, which the guard refuses.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** The same policy as {@link SECURITY_HEADERS}, in helmet's form. */
const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * helmet's default headers under the pages' stricter CSP, for every response of the pages router
 * (including its errors and 404s, which {@link send} does not write). HSTS stays off: the API may
 * be plain http on loopback.
 */
export function pageSecurityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
  });
}

/**
 * Answers with `body` under {@link SECURITY_HEADERS}, as `type` (default: HTML) and never cached
 * (`Cache-Control: no-store`; Express still adds its weak ETag).
 */
export function send(res: Response, status: number, body: SafeHtml | string, type = 'text/html; charset=utf-8'): void {
  res
    .status(status)
    .set(SECURITY_HEADERS)
    .set({ 'Content-Type': type, 'Cache-Control': 'no-store' })
    .send(body.toString());
}
