// The routes a booted process really serves (Express's route table), joined with what the OpenAPI
// document says about each: who may call it and what body it takes. Security specs iterate over this,
// so a route added tomorrow is tried by them without anyone listing it.
import type { RunningService } from '@ringback/nest-platform';

export interface ServedRoute {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  /** OpenAPI form: `/api/v1/tasks/{taskId}`. */
  path: string;
  /** `bearer`, or `none` for open routes and signed webhooks. */
  security: 'bearer' | 'none';
  /** `x-required-roles` of the document; empty: any role. */
  roles: string[];
  /** Path parameter names, in order. */
  params: string[];
  /** JSON schema of the request body (input side), when the route takes one. */
  bodySchema: Record<string, unknown> | null;
  bodyContentType: string | null;
}

type Operation = {
  security?: unknown[];
  'x-required-roles'?: string[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
};

const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete']);

/** Every `/api/v1` route of the process; throws if one is served but not documented. */
export async function servedApiRoutes(service: RunningService): Promise<ServedRoute[]> {
  const doc = (await (await fetch(`${service.url}/api/docs/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const app = service.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const routes: ServedRoute[] = [];
  const undocumented: string[] = [];
  for (const layer of app.router.stack) {
    if (!layer.route) continue;
    const path = layer.route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    if (!path.startsWith('/api/v1/')) continue;
    for (const m of Object.keys(layer.route.methods)) {
      if (!METHODS.has(m)) continue; // `@All`-style catch-alls of static assets, none under /api/v1
      const op = doc.paths[path]?.[m];
      if (!op) {
        undocumented.push(`${m.toUpperCase()} ${path}`);
        continue;
      }
      const content = op.requestBody ? Object.entries(op.requestBody.content)[0] : undefined;
      routes.push({
        method: m as ServedRoute['method'],
        path,
        security: op.security && op.security.length > 0 ? 'bearer' : 'none',
        roles: op['x-required-roles'] ?? [],
        params: [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((x) => x[1]!),
        bodySchema: content ? content[1].schema : null,
        bodyContentType: content ? content[0] : null,
      });
    }
  }
  if (undocumented.length)
    throw new Error(`served but not in the OpenAPI document: ${undocumented.join(', ')}`);
  return routes;
}

export const routeKey = (r: Pick<ServedRoute, 'method' | 'path'>): string =>
  `${r.method.toUpperCase()} ${r.path}`;
