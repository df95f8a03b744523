import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { is as isMediaType } from 'type-is';
import { BadUploadError, NotMultipartError } from './file-errors';
import { StoredUpload } from './upload-storage';

/** The form field an upload's file comes in. */
export const UPLOAD_FIELD = 'file';

export interface IncomingFile {
  /** The client's name for the file: metadata only, never a path. */
  originalname: string;
  stream: Readable;
}

export class UploadCutShortError extends Error {
  constructor() {
    super('The connection closed before the upload was complete');
  }
}

export type ReceivedUpload = StoredUpload & { originalname: string };

/** What receives the one file of a form: stores it, or rejects and leaves nothing. */
export interface UploadSink {
  /** The largest file of any kind it keeps; the form reader stops counting one byte past it. */
  readonly maxFileBytes: number;
  /** Stores the file; when its stream fails (a cut connection too) leaves nothing and rejects. */
  store(file: IncomingFile): Promise<StoredUpload>;
  discard(upload: StoredUpload): Promise<void>;
}

export const isMultipart = (request: IncomingMessage): boolean =>
  isMediaType(request.headers['content-type'] ?? '', ['multipart/form-data']) !== false;

/**
 * Reads a multipart/form-data request from the raw Node stream (whatever HTTP framework is in
 * front) and hands its one file, field "file", to the sink as it arrives. Resolves to the
 * stored upload, or null for a form without a file. Anything else in the form, or a malformed
 * form, is a 400; a file already stored is removed first.
 */
export function receiveUpload(
  request: IncomingMessage,
  sink: UploadSink,
): Promise<ReceivedUpload | null> {
  if (!isMultipart(request)) {
    return Promise.reject(new NotMultipartError(request.headers['content-type'] ?? 'none'));
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
      // One byte past the largest kind's limit: the sink names the limit of the kind it read.
      // A second part of any kind is refused as it starts, so the counts need no limits.
      limits: { fileSize: sink.maxFileBytes + 1, fieldSize: 1024 },
    });
  } catch (error) {
    // No boundary, or a charset busboy does not know.
    return Promise.reject(new BadUploadError((error as Error).message));
  }
  return new Promise((resolve, reject) => {
    let stored: Promise<ReceivedUpload> | undefined;
    let fileStream: Readable | undefined;
    let refused = false;

    // A connection closed mid-form ends the request with neither an end nor an error; once an
    // answer was sent (a 408 for an idle upload), only the socket tells.
    const socket = request.socket;
    const onClose = (): void => {
      if (!request.complete) refuse(new UploadCutShortError());
    };
    request.once('close', onClose);
    socket.once('close', onClose);
    const stopWatching = (): void => {
      request.off('close', onClose);
      socket.off('close', onClose);
    };
    const refuse = (error: Error, sinkMayHoldIt = true): void => {
      if (refused) return;
      refused = true;
      stopWatching();
      request.unpipe(parser);
      // The rest of the body is read and dropped, so that the answer can still be sent.
      request.resume();
      if (!stored || !sinkMayHoldIt) return reject(error);
      // The sink sees its stream fail (this is how it learns of a cut connection) and removes
      // what it wrote; a file it had finished is removed here.
      fileStream?.destroy(error);
      stored.then(
        (upload) => sink.discard(upload).then(() => reject(error), reject),
        () => reject(error),
      );
    };

    parser.on('file', (field, stream, info) => {
      if (fileStream) {
        stream.resume();
        return refuse(new BadUploadError('Send one file per upload'));
      }
      if (field !== UPLOAD_FIELD) {
        stream.resume();
        return refuse(
          new BadUploadError(
            `The file came in the field "${field}"; send it in the field "${UPLOAD_FIELD}"`,
          ),
        );
      }
      fileStream = stream;
      stored = sink
        .store({ originalname: info.filename ?? '', stream })
        .then((upload) => ({ ...upload, originalname: info.filename ?? '' }));
      // A file the sink refuses (its type, its size) is answered at once; the rest of the
      // body is drained.
      stored.catch((error: Error) => refuse(error, false));
    });
    parser.on('field', (field) =>
      refuse(
        new BadUploadError(`Unexpected field "${field}": send only the file, in "${UPLOAD_FIELD}"`),
      ),
    );
    parser.on('error', (error: Error) =>
      refuse(new BadUploadError(`The multipart body is malformed (${error.message})`)),
    );
    parser.on('close', () => {
      if (refused) return;
      if (!stored) return resolve(null);
      stored.then(resolve, reject);
    });
    parser.once('close', stopWatching);
    request.once('end', stopWatching);
    request.pipe(parser);
  });
}
