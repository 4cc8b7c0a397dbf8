import type { IncomingMessage } from 'node:http';
import { ALL_ROUTES_EXPRESS_PATH } from 'src/common/middleware/all-routes';

/** Label for requests no handler took (404s, static Swagger assets): keeps label values bounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template that handled a request (`/v1/datasets/:dataset`), never the raw URL, so logs
 * group by endpoint and metric labels stay few. Express sets `req.route` for each route it enters,
 * middleware mounted by Nest included, so the catch-all middleware route counts as no match.
 */
export function routeTemplateOf(request: IncomingMessage): string {
  const { route, baseUrl } = request as { route?: { path?: unknown }; baseUrl?: unknown };
  if (typeof route?.path !== 'string' || route.path === ALL_ROUTES_EXPRESS_PATH) {
    return UNMATCHED_ROUTE;
  }
  return `${typeof baseUrl === 'string' ? baseUrl : ''}${route.path}`;
}
