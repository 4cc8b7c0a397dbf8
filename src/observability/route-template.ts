import type { IncomingMessage } from 'node:http';

/** Label for requests no route took (404s): keeps label values bounded. */
export const UNMATCHED_ROUTE = 'unmatched';

const ROUTE_TEMPLATE = Symbol('routeTemplate');

type WithRouteTemplate = IncomingMessage & { [ROUTE_TEMPLATE]?: string };

/** Records the route Fastify matched for a request (undefined when none did). */
export function rememberRouteTemplate(
  request: IncomingMessage,
  template: string | undefined,
): void {
  (request as WithRouteTemplate)[ROUTE_TEMPLATE] = template;
}

/**
 * The route template that handled a request (`/v1/datasets/:dataset`), never the raw URL, so logs
 * group by endpoint and metric labels stay few.
 */
export function routeTemplateOf(request: IncomingMessage): string {
  return (request as WithRouteTemplate)[ROUTE_TEMPLATE] ?? UNMATCHED_ROUTE;
}
