import type { IncomingMessage } from 'node:http';
import {
  rememberRouteTemplate,
  routeTemplateOf,
  UNMATCHED_ROUTE,
} from 'src/observability/route-template';

describe(routeTemplateOf.name, () => {
  it('should label a request with the route recorded for it', () => {
    const request = {} as IncomingMessage;
    rememberRouteTemplate(request, '/v1/datasets/:dataset');
    expect(routeTemplateOf(request)).toBe('/v1/datasets/:dataset');
  });

  it.each([
    [
      'a request no route matched',
      (request: IncomingMessage) => rememberRouteTemplate(request, undefined),
    ],
    ['a request never routed', () => undefined],
  ])('should label %s as unmatched', (_case, record) => {
    const request = {} as IncomingMessage;
    record(request);
    expect(routeTemplateOf(request)).toBe(UNMATCHED_ROUTE);
  });
});
