import { RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';

const CATCH_ALL_PATH = '{*path}';

/** Middleware target for every request, unmatched paths and `/` included (path-to-regexp 8 syntax). */
export const ALL_ROUTES: RouteInfo = { path: CATCH_ALL_PATH, method: RequestMethod.ALL };

/**
 * The Express route Nest registers `ALL_ROUTES` middleware under (also what it turns the legacy
 * `*` into). A request whose last matched route is this one reached no handler.
 */
export const ALL_ROUTES_EXPRESS_PATH = `/${CATCH_ALL_PATH}`;
