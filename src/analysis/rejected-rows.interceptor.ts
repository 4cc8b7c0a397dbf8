import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { concatMap, type Observable } from 'rxjs';
import { REJECTED_ROWS_HEADER } from 'src/common/http/header-names';
import { DEFAULT_DATASET_NAME } from 'src/config/data.config';
import { DatasetRepository } from 'src/data/dataset.repository';

/**
 * Marks analysis answers computed over a dataset with skipped rows, whatever the body's shape (the
 * compatible endpoint's is fixed, and a CSV download has no room for it), so no answer hides them.
 */
@Injectable()
export class RejectedRowsInterceptor implements NestInterceptor {
  constructor(private readonly datasets: DatasetRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const params = http.getRequest<FastifyRequest>().params as Record<string, unknown>;
    const response = http.getResponse<FastifyReply>();
    // The compatible endpoint has no dataset parameter: it always answers on the default dataset.
    const dataset = typeof params.dataset === 'string' ? params.dataset : DEFAULT_DATASET_NAME;
    return next.handle().pipe(
      concatMap(async (body: unknown) => {
        const { rejectedRows } = await this.datasets.summary(dataset);
        if (rejectedRows > 0) {
          response.header(REJECTED_ROWS_HEADER, String(rejectedRows));
        }
        return body;
      }),
    );
  }
}
