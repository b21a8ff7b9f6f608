/**
 * The route table of README.md ("HTTP API"), generated from the route declarations as the OpenAPI
 * document is, so the two cannot disagree: `npm run docs` rewrites it and
 * `test/unit/readme-routes.test.ts` fails when README holds anything else. Also the one rule for
 * the error codes the framework adds to every route (used by the OpenAPI document too).
 */
import type { AnyRoute } from './route';

/** Where the generated table sits in README.md. */
export const ROUTE_TABLE_START = '<!-- route-table:start -->';
/** End marker of the generated table. */
export const ROUTE_TABLE_END = '<!-- route-table:end -->';

/**
 * Codes a route answers besides the ones it declares: 400 for any route with inputs (params,
 * query or body; details name each field), 401/403 for routes that need a token, 413/415 for routes
 * with a body, and 500 for every route.
 */
export function impliedErrorCodes(route: AnyRoute): number[] {
  return [
    ...(route.params || route.query || route.body ? [400] : []),
    ...(route.access !== 'public' ? [401, 403] : []),
    ...(route.body ? [413, 415] : []),
    500,
  ];
}

/** Every code of a route worth a reader's eye: declared ones, 400 and the token codes (not 413/415/500, which any route can give). */
export function routeCodes(route: AnyRoute): number[] {
  const codes = new Set([
    ...Object.keys(route.responses).map(Number),
    ...impliedErrorCodes(route).filter((c) => c < 413),
  ]);
  return [...codes].sort((a, b) => a - b);
}

function queryKeys(route: AnyRoute): string[] {
  const shape = (route.query as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** `{a, b?}`: the fields of an object body (the validating schema's), or '' for other bodies. */
function bodyFields(route: AnyRoute): string {
  const shape = (route.body?.schema as { shape?: Record<string, { isOptional?: () => boolean }> } | undefined)?.shape;
  if (!shape || Object.keys(shape).length === 0) return '';
  return `\`{${Object.entries(shape)
    .map(([k, v]) => `${k}${v.isOptional?.() ? '?' : ''}`)
    .join(', ')}}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** One row: `` `METHOD /path?q=&…` `` | summary (and body fields) | codes. */
function row(route: AnyRoute): string {
  const query = queryKeys(route);
  const path = `${route.path}${query.length ? `?${query.map((k) => `${k}=`).join('&')}` : ''}`;
  const body = bodyFields(route);
  return `| \`${route.method.toUpperCase()} ${path}\` | ${cell(route.summary)}${body ? `: ${cell(body)}` : ''} | ${routeCodes(route).join(', ')} |`;
}

/** The table, one row per route in matching order. */
export function renderRouteTable(routes: readonly AnyRoute[]): string {
  return ['| method & path | does | codes |', '|---|---|---|', ...routes.map(row)].join('\n');
}

/** `readme` with the text between the route-table markers replaced by the table of `routes`. */
export function withRouteTable(readme: string, routes: readonly AnyRoute[]): string {
  const start = readme.indexOf(ROUTE_TABLE_START);
  const end = readme.indexOf(ROUTE_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the ${ROUTE_TABLE_START} … ${ROUTE_TABLE_END} markers`);
  return `${readme.slice(0, start + ROUTE_TABLE_START.length)}\n${renderRouteTable(routes)}\n${readme.slice(end)}`;
}
