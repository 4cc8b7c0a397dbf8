import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { legacyValidationBody } from 'src/analysis/legacy/legacy-error-bodies';
import { LegacyQueryError } from 'src/analysis/legacy/legacy-query.error';
import { DomainError } from 'src/common/errors/domain.error';
import { DOMAIN_PROBLEMS } from 'src/common/filters/problem-details.filter';

/**
 * The compatible endpoint's errors, exactly as the original FastAPI service sent them, since its
 * clients compare whole bodies: `{"detail": "<text>"}` for the domain errors, and pydantic v1's
 * 422 list for parameters that could not be read. The request id stays in the `x-request-id`
 * header. Anything else (rate limits, unexpected failures) falls through to the global
 * problem+json filter.
 */
@Catch(DomainError)
export class LegacyErrorsFilter implements ExceptionFilter<DomainError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: DomainError, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    if (error instanceof LegacyQueryError) {
      httpAdapter.reply(
        response,
        legacyValidationBody(error.failures),
        HttpStatus.UNPROCESSABLE_ENTITY,
      );
      return;
    }
    if (error.retryAfterSeconds !== null) {
      httpAdapter.setHeader(response, 'Retry-After', String(error.retryAfterSeconds));
    }
    httpAdapter.reply(response, { detail: error.message }, DOMAIN_PROBLEMS[error.kind].status);
  }
}
