import type { IncomingMessage } from 'node:http';
import { routeTemplateOf, UNMATCHED_ROUTE } from 'src/observability/route-template';

const requestWith = (fields: Record<string, unknown>) => fields as unknown as IncomingMessage;

describe(routeTemplateOf.name, () => {
  it.each([
    ['a controller route', { route: { path: '/v1/datasets/:dataset' } }, '/v1/datasets/:dataset'],
    ['a mounted router', { baseUrl: '/api', route: { path: '/items/:id' } }, '/api/items/:id'],
    ['no route', {}, UNMATCHED_ROUTE],
    ['the catch-all middleware route', { route: { path: '/{*path}' } }, UNMATCHED_ROUTE],
    ['a pattern that is not a string', { route: { path: /x/ } }, UNMATCHED_ROUTE],
  ])('should label %s', (_case, fields, expected) => {
    expect(routeTemplateOf(requestWith(fields))).toBe(expected);
  });
});
