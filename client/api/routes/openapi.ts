/** `GET /api/openapi.json`: the OpenAPI document of every route, built once on first request. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { buildOpenApiDocument } from '../openapi';
import { defineRoute, type AnyRoute } from '../route';

function packageVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string })
        .version ?? '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
}

/** The OpenAPI route; `routes()` returns the full route list (this one included) when first asked. */
export function openApiRoute(routes: () => readonly AnyRoute[]): AnyRoute {
  let document: unknown;
  return defineRoute({
    method: 'get',
    path: '/api/openapi.json',
    summary: "This API's OpenAPI 3.1 document, generated from the zod schemas",
    tags: ['meta'],
    access: 'any',
    responses: { 200: { description: 'the OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
    async handler() {
      document ??= buildOpenApiDocument(routes(), { version: packageVersion() });
      return { status: 200, body: document };
    },
  });
}
