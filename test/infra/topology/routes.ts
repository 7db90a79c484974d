import { readFileSync } from 'node:fs';
import path from 'node:path';

/** deploy/routes.json: which service answers which public path prefix. */
export interface RouteTable {
  default: string;
  routes: { prefix: string; service: string }[];
}

export const ROUTES_FILE = path.resolve(__dirname, '../../../deploy/routes.json');

export function loadRoutes(file = ROUTES_FILE): RouteTable {
  return JSON.parse(readFileSync(file, 'utf8')) as RouteTable;
}

/** The service answering `url` (path, optionally with a query): the longest matching prefix, on a segment boundary. */
export function serviceFor(table: RouteTable, url: string): string {
  const pathname = url.split('?')[0] ?? url;
  let best: { prefix: string; service: string } | undefined;
  for (const route of table.routes) {
    const matches = pathname === route.prefix || pathname.startsWith(`${route.prefix}/`);
    if (matches && (!best || route.prefix.length > best.prefix.length)) best = route;
  }
  return best?.service ?? table.default;
}
