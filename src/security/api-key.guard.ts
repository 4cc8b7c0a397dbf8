import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { liveDataConfig } from 'src/config/live-data.config';
import { UnauthenticatedError, WritesDisabledError } from 'src/security/errors/write-access.errors';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Lets a request through only with `Authorization: Bearer <one of API_KEYS>`. Keys are compared as
 * SHA-256 digests with `timingSafeEqual`, against every key without stopping at a match, so the
 * time taken says nothing about a key's content or length. It reads only headers, through Nest's
 * ExecutionContext, so it works on any HTTP platform.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keyDigests: readonly Buffer[];

  constructor(@Inject(liveDataConfig.KEY) config: ConfigType<typeof liveDataConfig>) {
    this.keyDigests = config.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keyDigests.length === 0) {
      throw new WritesDisabledError();
    }
    const { authorization } = context
      .switchToHttp()
      .getRequest<{ headers: IncomingHttpHeaders }>().headers;
    const match = BEARER.exec(authorization ?? '');
    if (match === null) {
      throw new UnauthenticatedError('missing');
    }
    const presented = digest(match[1]);
    let valid = false;
    for (const key of this.keyDigests) {
      valid = timingSafeEqual(key, presented) || valid;
    }
    if (!valid) {
      throw new UnauthenticatedError('invalid');
    }
    return true;
  }
}
