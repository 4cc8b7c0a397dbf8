import { RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';

const CATCH_ALL_PATH = '{*path}';

/** Middleware target for every request, unmatched paths and `/` included (path-to-regexp 8 syntax). */
export const ALL_ROUTES: RouteInfo = { path: CATCH_ALL_PATH, method: RequestMethod.ALL };
