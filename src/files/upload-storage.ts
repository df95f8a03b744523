import { createHash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { FileKind } from '../database/stored-file.entity';
import { ObjectStorage } from '../storage/object-storage';
import { uploadKey } from '../storage/storage-keys';
import { EmptyUploadError, FileTooLargeError, UnsupportedFileTypeError } from './file-errors';
import type { IncomingFile, UploadSink } from './multipart-upload';
import { SNIFF_BYTES, SniffedType, sniffType } from './sniff-type';

/** An upload as stored: where, how large, its hash and the type read from its content. */
export interface StoredUpload extends SniffedType {
  /** Also its key in the store: uploads/<id>. */
  id: string;
  size: number;
  sha256: string;
}

type SizeLimits = Record<FileKind, number>;

/**
 * Passes bytes through while it hashes and counts them; decides the type from the first bytes
 * and fails as soon as the upload is of no supported type or passes its type's size limit.
 */
class UploadInspector extends Transform {
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headBytes = 0;
  type: SniffedType | null = null;
  bytes = 0;

  constructor(private readonly limits: SizeLimits) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.type === null) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return done();
      const error = this.decide();
      if (error) return done(error);
      this.push(Buffer.concat(this.head));
      this.head = [];
      return done();
    }
    if (this.bytes > this.limits[this.type.kind])
      return done(new FileTooLargeError(this.type.kind, this.limits[this.type.kind]));
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.type === null) {
      if (this.headBytes === 0) return done(new EmptyUploadError());
      const error = this.decide();
      if (error) return done(error);
      this.push(Buffer.concat(this.head));
    }
    done();
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  private decide(): Error | null {
    this.type = sniffType(Buffer.concat(this.head));
    if (!this.type) return new UnsupportedFileTypeError();
    const limit = this.limits[this.type.kind];
    return this.bytes > limit ? new FileTooLargeError(this.type.kind, limit) : null;
  }
}

/** Where an upload's id comes from and how one not kept goes (FilesService). */
export interface UploadLedger {
  /** A new id, noted as pending before any byte is stored under it. */
  reserve(): Promise<string>;
  /** Removes the object, then the note. */
  removeObject(id: string): Promise<void>;
}

/**
 * Streams each upload into the store (DATA_DIR/uploads or the bucket, by multipart upload)
 * under a random id — never whole in memory, never under the client's name — hashing and
 * sniffing on the way. An upload refused part-way leaves nothing.
 */
export class SniffingUploadStorage implements UploadSink {
  readonly maxFileBytes: number;

  constructor(
    private readonly storage: ObjectStorage,
    private readonly limits: SizeLimits,
    private readonly ledger: UploadLedger,
  ) {
    this.maxFileBytes = Math.max(...Object.values(limits));
  }

  /** Removes an upload stored but not kept (refused by the form reader or by a quota). */
  async discard(upload: StoredUpload): Promise<void> {
    await this.ledger.removeObject(upload.id);
  }

  /**
   * Pipes the form's file stream by hand rather than with pipeline(): pipeline would destroy it
   * on a failure, and the form reader would answer before the partial upload is gone.
   */
  async store(file: IncomingFile): Promise<StoredUpload> {
    const inspector = new UploadInspector(this.limits);
    let failure: Error | undefined;
    const fail = (error: Error): void => {
      if (failure) return;
      failure = error;
      file.stream.unpipe(inspector);
      file.stream.resume();
      // The store sees its body fail, removes what it had written, then rejects.
      inspector.destroy(error);
    };
    // A connection closed mid-upload fails the stream too: the form reader destroys it.
    file.stream.on('error', fail);
    inspector.on('error', fail);
    // Noted before a byte is stored: should this process die before the upload is registered
    // or removed, the upload sweep removes the object.
    const id = await this.ledger.reserve();
    file.stream.pipe(inspector);
    try {
      await this.storage.put(uploadKey(id), inspector);
    } catch (error) {
      await this.ledger.removeObject(id);
      throw failure ?? error;
    }
    if (failure || !inspector.type) {
      await this.ledger.removeObject(id);
      throw failure ?? new EmptyUploadError();
    }
    return { id, size: inspector.bytes, sha256: inspector.digest(), ...inspector.type };
  }
}
