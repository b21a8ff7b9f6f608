/**
 * The OpenAPI 3.1 document, generated from the route declarations and their zod schemas with
 * `@asteasolutions/zod-to-openapi`. Schemas carrying `.meta({id})` become shared components.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { AnyRoute } from './route';
import { JSON_TYPES, TEXT_TYPES } from './route';
import { impliedErrorCodes } from './route-docs';
import { ErrorSchema } from './schemas';

/** Express `:param` paths → OpenAPI `{param}` paths. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const COMMON_ERRORS: Record<number, string> = {
  400: 'invalid request: details name each field',
  401: 'missing or unknown bearer token (only when tokens are configured)',
  403: 'the token lacks the role this needs',
  413: 'request body larger than PHASEGATE_MAX_BODY',
  415: 'unsupported Content-Type',
  500: 'unexpected server error (generic message, details in the server log)',
  503: 'Temporal or a worker did not answer in time',
};

/** Builds the document for `routes`. */
export function buildOpenApiDocument(
  routes: readonly AnyRoute[],
  info: { version: string; serverUrl?: string },
): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from PHASEGATE_TOKENS, when configured',
  });
  for (const route of routes) {
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType }> }> = {};
    for (const [code, spec] of Object.entries(route.responses)) {
      responses[code] = {
        description: spec.description,
        ...(spec.schema ? { content: { 'application/json': { schema: spec.schema } } } : {}),
      };
    }
    for (const code of impliedErrorCodes(route)) {
      responses[String(code)] ??= {
        description: COMMON_ERRORS[code] ?? 'error',
        content: { 'application/json': { schema: ErrorSchema } },
      };
    }
    const body = route.body;
    const bodySchema = body ? (body.docSchema ?? body.schema) : undefined;
    const content: Record<string, { schema: z.ZodType }> = {};
    if (bodySchema) {
      content[JSON_TYPES[0] as string] = { schema: bodySchema };
      if (body?.acceptsText)
        for (const type of TEXT_TYPES.slice(0, 2))
          content[type] = { schema: z.string().describe('plan text, YAML or JSON') };
    }
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      ...(route.access === 'public' ? {} : { security: [{ bearer: [] }] }),
      request: {
        ...(route.params ? { params: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(bodySchema ? { body: { required: body?.required ?? false, content } } : {}),
      },
      responses,
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Phasegate API',
      version: info.version,
      description:
        'Run project phases durably on Temporal: plans, runs, gate decisions, operator actions and the external agent protocol.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
  });
}
