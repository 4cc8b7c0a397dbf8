import busboy from 'busboy';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from 'src/live-data/errors/upload-body.errors';

/** A request body not yet read, with the headers that describe it. */
export interface UploadSource {
  readonly stream: Readable;
  readonly headers: IncomingHttpHeaders;
}

export interface StagedBody {
  /** SHA-256 of the CSV bytes (for multipart, of the `file` field's content). */
  readonly sha256: string;
  readonly bytes: number;
}

/** The form field that carries the CSV in a multipart upload. */
export const UPLOAD_FILE_FIELD = 'file';

type BodyKind = 'csv' | 'multipart';

/** `text/csv` (UTF-8, the only charset the loader reads) or `multipart/form-data`; else 415. */
export function uploadBodyKind(contentType: string | undefined): BodyKind {
  const [essence, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim());
  const type = essence.toLowerCase();
  if (type === 'multipart/form-data') {
    return 'multipart';
  }
  if (type === 'text/csv') {
    const charset = parameters
      .map((parameter) => /^charset=(.*)$/i.exec(parameter)?.[1])
      .find((value) => value !== undefined);
    if (charset === undefined || /^"?utf-8"?$/i.test(charset)) {
      return 'csv';
    }
  }
  throw new UnsupportedMediaTypeError(contentType);
}

/** The body's bytes, refusing (413) as soon as they pass `maxBytes`. */
async function* limited(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      throw new PayloadTooLargeError(maxBytes);
    }
    yield chunk;
  }
}

/** Writes chunks to a new file, hashing them, and fsyncs it before returning. */
async function writeFileDurably(
  chunks: AsyncIterable<Buffer>,
  target: string,
): Promise<StagedBody> {
  const hash = createHash('sha256');
  let bytes = 0;
  const handle = await open(target, 'wx');
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      bytes += chunk.length;
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

function malformedMultipart(reason: string): InvalidParametersError {
  return new InvalidParametersError(
    [{ parameter: 'body', message: `is not valid multipart/form-data: ${reason}` }],
    `The request body is not valid multipart/form-data: ${reason}`,
  );
}

function stageMultipart(
  source: Readable,
  headers: IncomingHttpHeaders,
  target: string,
): Promise<StagedBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, limits: { files: 1, fields: 100, parts: 101 } });
    } catch (error) {
      reject(malformedMultipart((error as Error).message));
      return;
    }
    let written: Promise<StagedBody> | null = null;
    let failed = false;
    const fail = (error: unknown): void => {
      if (!failed) {
        failed = true;
        source.unpipe(parser);
        source.resume();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    parser.on('file', (field, file) => {
      if (field !== UPLOAD_FILE_FIELD || written !== null) {
        file.resume();
        return;
      }
      written = writeFileDurably(file, target);
      written.catch(fail);
    });
    parser.on('error', (error: Error) => fail(malformedMultipart(error.message)));
    parser.on('close', () => {
      if (written === null) {
        fail(
          new InvalidParametersError(
            [
              {
                parameter: UPLOAD_FILE_FIELD,
                message: 'is missing: send the CSV in a file field named file',
              },
            ],
            `The multipart body has no file field named '${UPLOAD_FILE_FIELD}'`,
          ),
        );
        return;
      }
      written.then(resolve, fail);
    });
    source.on('error', fail);
    source.pipe(parser);
  });
}

/**
 * Reads an upload's body into `target` (a new file, fsynced): the body itself for `text/csv`, the
 * `file` field for multipart. Refuses a wrong content type (415) before reading and a body over
 * `maxBytes` (413) as soon as it passes the limit; on refusal `target` may hold a partial file,
 * which the caller removes.
 */
export async function stageUploadBody(
  { stream, headers }: UploadSource,
  target: string,
  maxBytes: number,
): Promise<StagedBody> {
  const kind = uploadBodyKind(headers['content-type']);
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new PayloadTooLargeError(maxBytes);
  }
  const body = limited(stream, maxBytes);
  if (kind === 'csv') {
    return writeFileDurably(body, target);
  }
  return stageMultipart(Readable.from(body), headers, target);
}
