import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import type { ParameterError } from 'src/common/errors/domain.error';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import { validationExceptionFactory } from 'src/common/validation/validation-exception.factory';
import { ValidationMemo } from 'src/common/validation/validation-memo';

/**
 * Keys class-transformer drops before validation, so `whitelist` never sees them: `__proto__`,
 * `prototype` and every name an object inherits (`constructor`, `valueOf`, `toString`,
 * `__defineGetter__`...), which it skips as methods of the target.
 */
const PROTOTYPE_KEYS = [
  ...new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]),
];

/** Prototype-named keys present in a request object, reported as unknown parameters. */
export function prototypeKeyErrors(value: unknown): ParameterError[] {
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  return PROTOTYPE_KEYS.filter((key) => Object.prototype.hasOwnProperty.call(value, key)).map(
    (parameter) => ({ parameter, message: 'is not a known parameter' }),
  );
}

/**
 * The global ValidationPipe (whitelist, forbidNonWhitelisted, transform) with two additions: keys
 * such as `__proto__` are refused like any other unknown parameter instead of being dropped
 * silently, and together with the other errors of the same request; and the validated DTOs of
 * recently seen queries and route parameters are remembered (see `ValidationMemo`).
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // The target lets the error factory list a DTO's parameters when an unknown one is sent.
      validationError: { target: true, value: true },
      exceptionFactory: validationExceptionFactory,
    });
  }

  /** Validated queries and route parameters by DTO class. */
  private readonly memos = new WeakMap<object, ValidationMemo<object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype, type } = metadata;
    if (
      metatype === undefined ||
      (type !== 'query' && type !== 'param') ||
      !this.toValidate(metadata)
    ) {
      return this.validateStrictly(value, metadata);
    }
    let memo = this.memos.get(metatype);
    if (memo === undefined) {
      memo = new ValidationMemo();
      this.memos.set(metatype, memo);
    }
    const key = memo.keyOf(value);
    // A DTO this pipe validates comes back as an instance of its class.
    return (
      memo.get(key) ?? memo.remember(key, (await this.validateStrictly(value, metadata)) as object)
    );
  }

  private async validateStrictly(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only for DTOs this pipe validates: a route reading the raw query with its own pipe checks it there.
    const dropped = this.toValidate(metadata) ? prototypeKeyErrors(value) : [];
    try {
      const result: unknown = await super.transform(value, metadata);
      if (dropped.length > 0) {
        throw new InvalidParametersError(dropped);
      }
      return result;
    } catch (error) {
      if (
        error instanceof InvalidParametersError &&
        dropped.length > 0 &&
        error.errors !== dropped
      ) {
        throw new InvalidParametersError([...error.errors, ...dropped]);
      }
      throw error;
    }
  }
}
