import { DomainError } from '../http/domain-error';

export class FileNotFoundError extends DomainError {
  readonly status = 404;
  constructor() {
    super('File not found');
  }
}

export class FileTooLargeError extends DomainError {
  readonly status = 413;
  constructor(kind: string, limit: number) {
    super(
      `The ${kind} file is larger than the ${formatBytes(limit)} limit for ${kind} uploads; split it or ask for a higher limit`,
    );
  }
}

export class UnsupportedFileTypeError extends DomainError {
  readonly status = 415;
  constructor() {
    super(
      'Unsupported file: upload a CSV file (UTF-8 text) or an image (JPEG, PNG, WebP, AVIF, TIFF or GIF); the type is read from the content, not the name',
    );
  }
}

export class NotMultipartError extends DomainError {
  readonly status = 415;
  constructor(contentType: string) {
    super(
      `Unsupported content type '${contentType}'; send multipart/form-data with the file in the field "file"`,
    );
  }
}

/** A multipart form that is malformed or holds more than the one file. */
export class BadUploadError extends DomainError {
  readonly status = 400;
}

export class EmptyUploadError extends DomainError {
  readonly status = 422;
  constructor() {
    super('No file was uploaded: send a non-empty file in the multipart field "file"');
  }
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}
