import { z } from 'zod';

type Json = Record<string, unknown>;

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

export interface OpenApiResponse {
  description: string;
  /** Body schema (output side of the zod schema); `'error'` is the contract error body. */
  schema?: z.ZodType | 'error';
  /** Default `application/json`. */
  contentType?: string;
}

/** One HTTP operation, described with the same zod schemas that validate it at runtime. */
export interface OpenApiRoute {
  method: HttpMethod;
  /** Full path in OpenAPI form: `/api/v1/admin/locations/{locationId}`. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  /** `bearer`: a user JWT (adds the 401 answer); `none`: open. Default `none`. */
  security?: 'bearer' | 'none';
  /** Roles admitted (documented, and adds the 403 answer). */
  roles?: string[];
  /** Path parameters, one per key. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request body (input side of the schema). */
  body?: z.ZodType;
  /** Media type of the request body. Default `application/json`. */
  bodyContentType?: string;
  responses: Record<number, OpenApiResponse>;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** The process-wide {@link OpenApiRegistry}, provided by `createPlatformModule`. */
export const OPENAPI_REGISTRY = Symbol.for('ringback.OpenApiRegistry');

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  return rest;
};

const ERROR_BODY: Json = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code, e.g. `validation_failed`.' },
        message: { type: 'string' },
        details: {
          type: 'array',
          description: 'For 400 `validation_failed`: one `{ field, in, code, message }` per invalid field.',
          items: {},
        },
      },
    },
  },
};

const errorRef = (description: string): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
});

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): Json[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

/**
 * Collects the HTTP operations of every module of the process and renders them as one OpenAPI 3.1
 * document, from the zod schemas the handlers validate with (`z.toJSONSchema`), so the document
 * cannot drift from the code. Modules register their routes when they start (`onModuleInit`);
 * `GET /api/docs/openapi.json` serves the result.
 */
export class OpenApiRegistry {
  private readonly routes = new Map<string, OpenApiRoute>();

  /** Adds (or replaces) the operation `method path`. */
  register(...routes: OpenApiRoute[]): this {
    for (const route of routes) this.routes.set(`${route.method.toUpperCase()} ${route.path}`, route);
    return this;
  }

  /** The operation `method path` (`path` in OpenAPI form), if registered. */
  find(method: string, path: string): OpenApiRoute | undefined {
    return this.routes.get(`${method.toUpperCase()} ${path}`);
  }

  list(): OpenApiRoute[] {
    return [...this.routes.values()].sort((a, b) =>
      a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path),
    );
  }

  document(info: OpenApiInfo = { title: 'Ringback API', version: '1.0.0' }): Json {
    const paths: Record<string, Json> = {};
    for (const route of this.list()) {
      const responses: Record<string, Json> = {};
      for (const [status, response] of Object.entries(route.responses)) {
        if (response.schema === 'error') {
          responses[status] = errorRef(response.description);
        } else if (response.schema) {
          responses[status] = {
            description: response.description,
            content: {
              [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema, 'output') },
            },
          };
        } else {
          responses[status] = { description: response.description };
        }
      }
      if (route.body && !responses['400']) responses['400'] = errorRef('Invalid input (field-level details)');
      if (route.body) {
        // Answered for every route with a body (RequestBodyGuard and the body parser).
        // Parsed bodies (JSON, forms) have the parser's limit; streamed ones (CSV imports) do not.
        if (
          ['application/json', 'application/x-www-form-urlencoded'].includes(
            route.bodyContentType ?? 'application/json',
          )
        )
          responses['413'] ??= errorRef('`payload_too_large`: the body is over 100 kB');
        responses['415'] ??= errorRef(
          `\`unsupported_media_type\`: the body is not ${route.bodyContentType ?? 'application/json'}`,
        );
      }
      if (route.security === 'bearer') {
        responses['401'] ??= errorRef('Missing, malformed, forged or expired bearer token');
        if (route.roles?.length) responses['403'] ??= errorRef(`Requires role ${route.roles.join(' or ')}`);
      }
      // Every /api/v1 route is rate limited (per token, or per source for signed webhooks).
      if (
        route.path.startsWith('/api/v1/') &&
        (route.security === 'bearer' || /^\/api\/v1\/(calls|messages)\//.test(route.path))
      )
        responses['429'] ??= errorRef('`rate_limited`: too many requests; wait `Retry-After` seconds');
      const roles = route.roles?.length ? `Roles: ${route.roles.join(', ')}.` : undefined;
      const description = [route.description, roles].filter(Boolean).join('\n\n');
      (paths[route.path] ??= {})[route.method] = {
        summary: route.summary,
        ...(description ? { description } : {}),
        operationId: route.operationId ?? operationIdFor(route),
        ...(route.tags?.length ? { tags: route.tags } : {}),
        ...(route.security === 'bearer' ? { security: [{ bearerAuth: [] }] } : { security: [] }),
        ...(route.roles?.length ? { 'x-required-roles': route.roles } : {}),
        parameters: [...parameters('path', route.params), ...parameters('query', route.query)],
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: {
                  [route.bodyContentType ?? 'application/json']: { schema: jsonSchema(route.body, 'input') },
                },
              },
            }
          : {}),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info: {
        title: info.title,
        version: info.version,
        ...(info.description ? { description: info.description } : {}),
      },
      jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
      servers: [{ url: '/' }],
      paths,
      components: {
        schemas: { ErrorBody: ERROR_BODY },
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'User token with claims sub, role (admin|supervisor|coordinator|clinic_staff), regions, locations, pods.',
          },
        },
      },
    };
  }
}

function operationIdFor(route: OpenApiRoute): string {
  const words = route.path
    .replace(/^\/api\/v1\//, '')
    .split('/')
    .filter(Boolean)
    .map((w) =>
      w
        .replace(/[{}]/g, '')
        .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()),
    );
  const tail = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return `${route.method}${tail}`;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A dependency-free HTML index of the document: every operation with its summary and answers. */
export function renderOpenApiHtml(document: Json): string {
  const info = document['info'] as OpenApiInfo;
  const rows: string[] = [];
  const paths = (document['paths'] ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const statuses = Object.keys((op['responses'] ?? {}) as Json).join(' ');
      const secured = Array.isArray(op['security']) && op['security'].length > 0 ? 'bearer' : '';
      rows.push(
        `<tr><td class="m">${escapeHtml(method.toUpperCase())}</td><td><code>${escapeHtml(path)}</code></td>` +
          `<td>${escapeHtml(String(op['summary'] ?? ''))}</td><td>${secured}</td><td>${escapeHtml(statuses)}</td></tr>`,
      );
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(info.title)} ${escapeHtml(info.version)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2733}
table{border-collapse:collapse}td,th{padding:.35rem .75rem;border-bottom:1px solid #dde3ea;text-align:left}
.m{font-weight:600;font-family:monospace}
</style>
</head>
<body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>Machine-readable OpenAPI 3.1 document: <a href="/api/docs/openapi.json">/api/docs/openapi.json</a>.
Error answers share one body: <code>{"error":{"code","message","details":[]}}</code>.</p>
<table>
<thead><tr><th>method</th><th>path</th><th>summary</th><th>auth</th><th>responses</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
