import { HttpStatus } from '@nestjs/common';
import type { ProblemExample } from 'src/common/problem/api-problem-responses.decorator';

/** The documented refusals of the live-data routes, one example each. */
export const AUTH_PROBLEMS: ProblemExample[] = [
  {
    status: HttpStatus.UNAUTHORIZED,
    description:
      'No `Authorization: Bearer <key>` header, or a key that is not in API_KEYS; the answer carries `WWW-Authenticate: Bearer`.',
    detail: 'This operation needs an API key: send Authorization: Bearer <key>',
    instance: '/v1/datasets/sales/rows',
  },
  {
    status: HttpStatus.FORBIDDEN,
    description: 'The server has no API_KEYS: writes are disabled (reads stay open).',
    detail: 'Writes are disabled on this server: it has no API_KEYS configured',
    instance: '/v1/datasets/sales/rows',
  },
];

export const DATASET_NOT_FOUND: ProblemExample = {
  status: HttpStatus.NOT_FOUND,
  description: 'No dataset has that name.',
  detail: "Dataset 'salez' does not exist. Available datasets: sales",
  instance: '/v1/datasets/salez/rows',
};

export const KEY_IN_FLIGHT: ProblemExample = {
  status: HttpStatus.CONFLICT,
  description: "The upload's Idempotency-Key is held by a request still running.",
  detail:
    'A request with this Idempotency-Key is still being processed; retry once it has answered',
  instance: '/v1/datasets/sales/rows',
};

export const UPLOAD_PROBLEMS: ProblemExample[] = [
  {
    status: HttpStatus.BAD_REQUEST,
    description:
      'A malformed Idempotency-Key, a multipart body without a `file` field, or a body that is not valid multipart.',
    detail: "The multipart body has no file field named 'file'",
    instance: '/v1/datasets/sales/rows',
    errors: [{ parameter: 'file', message: 'is missing: send the CSV in a file field named file' }],
  },
  {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    description: 'The body is larger than UPLOAD_MAX_BYTES.',
    detail: 'The upload is larger than UPLOAD_MAX_BYTES (67108864 bytes); split it into parts',
    instance: '/v1/datasets/sales/rows',
  },
  {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    description: 'The body is neither text/csv (UTF-8) nor multipart/form-data.',
    detail:
      "Content-Type 'application/json' is not accepted: send text/csv (UTF-8), or multipart/form-data with the file in a field named 'file'",
    instance: '/v1/datasets/sales/rows',
  },
  {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    description:
      'Defective rows (every one listed in `defects`: line within the upload, column, reason; the first 100, and `totalDefects`), nothing stored; or an Idempotency-Key already used with a different body.',
    detail: "Upload to dataset 'sales' refused: 1 defect (listing 1); nothing was stored",
    instance: '/v1/datasets/sales/rows',
  },
];
