import { DomainError } from 'src/common/errors/domain.error';

export class PayloadTooLargeError extends DomainError {
  readonly kind = 'payload-too-large';

  constructor(maxBytes: number) {
    super(`The upload is larger than UPLOAD_MAX_BYTES (${maxBytes} bytes); split it into parts`);
    this.name = PayloadTooLargeError.name;
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly kind = 'unsupported-media-type';

  constructor(received: string | undefined) {
    super(
      `Content-Type ${received ? `'${received.slice(0, 100)}'` : '(none)'} is not accepted: send text/csv (UTF-8), or multipart/form-data with the file in a field named 'file'`,
    );
    this.name = UnsupportedMediaTypeError.name;
  }
}
