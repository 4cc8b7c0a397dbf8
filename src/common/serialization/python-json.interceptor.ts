import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import { toPythonJson } from 'src/common/serialization/python-json';

/** Writes a handler's result as Python's `json` would (every number a float), as `application/json`. */
@Injectable()
export class PythonJsonInterceptor implements NestInterceptor<unknown, string> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler<unknown>): Observable<string> {
    const response: unknown = context.switchToHttp().getResponse();
    return next.handle().pipe(
      map((body) => {
        // A string is sent as is by every platform adapter; the type says it is JSON.
        this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', 'application/json');
        return toPythonJson(body);
      }),
    );
  }
}
