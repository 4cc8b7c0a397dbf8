import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Visible ASCII (no spaces or quotes), 1–255 characters: enough for a UUID or any client scheme. */
const KEY_PATTERN = /^[\x21\x23-\x7e]{1,255}$/;

/**
 * The key of an `Idempotency-Key` header, or null without one. The IETF draft sends it as a
 * structured-field string (`"abc"`); a bare token is accepted too.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) {
    return null;
  }
  const raw = Array.isArray(header) ? header.join(',') : header;
  const unquoted = /^"(.*)"$/.exec(raw.trim())?.[1] ?? raw.trim();
  if (!KEY_PATTERN.test(unquoted)) {
    throw new InvalidParametersError(
      [
        {
          parameter: IDEMPOTENCY_KEY_HEADER,
          message:
            'must be 1-255 visible ASCII characters without spaces or quotes, such as a UUID',
        },
      ],
      `Invalid header: '${IDEMPOTENCY_KEY_HEADER}' must be 1-255 visible ASCII characters without spaces or quotes, such as a UUID`,
    );
  }
  return unquoted;
}
