import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, IsNull, LessThan, Repository } from 'typeorm';
import { normaliseId } from '../core/resource-id';
import { FileKind, StoredFile } from '../database/stored-file.entity';
import { ValidationProblem } from '../core/validation-problem';
import { FileNotFoundError } from './file-errors';
import { ObjectStorage } from '../storage/object-storage';
import { uploadKey } from '../storage/storage-keys';
import { PendingUpload } from './pending-upload.entity';
import { StoredUpload, UploadLedger } from './upload-storage';
import { inTransaction } from '../database/in-transaction';

/**
 * An upload still pending after this long was cut off by a process that died: its object is
 * removed. Uploads have idle timeouts but no overall one, so this is far past any real upload.
 */
export const PENDING_UPLOAD_ABANDONED_MS = 24 * 3_600_000;

/** A task parameter that names an upload: where it stands in input_params and what it must be. */
export interface FileReference {
  loc: (string | number)[];
  id: string;
  kind: FileKind;
}

/**
 * Uploads in the store (DATA_DIR/uploads or the bucket) and their metadata in SQL. An object
 * without its row is noted in pending_uploads while it is written or removed, so none outlives a
 * crash unnoticed.
 */
@Injectable()
export class FilesService implements UploadLedger {
  constructor(
    private readonly storage: ObjectStorage,
    @InjectRepository(StoredFile) private readonly files: Repository<StoredFile>,
    @InjectRepository(PendingUpload) private readonly pending: Repository<PendingUpload>,
  ) {}

  async reserve(): Promise<string> {
    const id = randomUUID();
    await this.pending.insert({ id, since: new Date() });
    return id;
  }

  async removeObject(id: string): Promise<void> {
    await this.storage.remove(uploadKey(id));
    await this.pending.delete({ id });
  }

  /** Records a stored upload in the uploader's project. */
  async register(upload: StoredUpload, originalName: string, project: string): Promise<StoredFile> {
    const file = this.files.create({
      id: upload.id,
      filename: sanitizeFilename(originalName),
      size: upload.size,
      contentType: upload.contentType,
      kind: upload.kind,
      sha256: upload.sha256,
      createdAt: new Date(),
      usedAt: null,
      project,
    });
    await inTransaction(this.files.manager, async (manager) => {
      await manager.insert(StoredFile, file);
      await manager.delete(PendingUpload, { id: upload.id });
    });
    return file;
  }

  /** An upload by id; one of another project than `project` (when given) is not found. */
  async get(id: string, project?: string): Promise<StoredFile> {
    const storedId = normaliseId(id);
    const file =
      storedId === null
        ? null
        : await this.files.findOneBy({ id: storedId, ...(project ? { project } : {}) });
    if (!file) throw new FileNotFoundError();
    return file;
  }

  /**
   * Checks that every referenced upload exists and is of the right kind, and marks them used so
   * that retention keeps them; answers the problems, located, when any is not. An upload of
   * another project than `project` is unknown here, exactly as one that never existed.
   */
  async claim(references: FileReference[], project: string): Promise<ValidationProblem[]> {
    if (references.length === 0) return [];
    const ids = [...new Set(references.map((ref) => ref.id.toLowerCase()))];
    const found = new Map(
      (await this.files.findBy({ id: In(ids), project })).map((file) => [file.id, file]),
    );
    const problems = references.flatMap((ref): ValidationProblem[] => {
      const file = found.get(ref.id.toLowerCase());
      if (!file) {
        return [
          {
            loc: ref.loc,
            msg: `No uploaded file has the id ${ref.id}; upload it first with POST /api/files`,
            type: 'file_not_found',
          },
        ];
      }
      if (file.kind !== ref.kind) {
        return [
          {
            loc: ref.loc,
            msg: `The file ${ref.id} is ${file.kind === 'csv' ? 'CSV text' : 'an image'}, not ${ref.kind === 'csv' ? 'a CSV file' : 'an image'}`,
            type: 'file_kind',
          },
        ];
      }
      return [];
    });
    if (problems.length === 0) {
      await this.files.update({ id: In(ids), project, usedAt: IsNull() }, { usedAt: new Date() });
    }
    return problems;
  }

  /** Deletes uploads that no task referenced within the retention period; answers how many. */
  async removeUnusedOlderThan(age: number): Promise<number> {
    const expired = await this.files.find({
      select: { id: true },
      where: { usedAt: IsNull(), createdAt: LessThan(new Date(Date.now() - age)) },
      take: 1000,
    });
    let removed = 0;
    for (const { id } of expired) {
      // The row goes only if still unused (a task may have claimed it since), noted as pending
      // in the same transaction, so a crash before the object is gone leaves it to the sweep.
      const deleted = await inTransaction(this.files.manager, async (manager) => {
        const result = await manager.delete(StoredFile, { id, usedAt: IsNull() });
        if (!result.affected) return false;
        await manager.insert(PendingUpload, { id, since: new Date() });
        return true;
      });
      if (!deleted) continue;
      await this.removeObject(id);
      removed += 1;
    }
    return removed;
  }

  /** Removes the objects of uploads pending for longer than `age`: cut off by a crash. */
  async removeAbandonedOlderThan(age: number): Promise<number> {
    const abandoned = await this.pending.find({
      where: { since: LessThan(new Date(Date.now() - age)) },
      take: 1000,
    });
    for (const { id } of abandoned) await this.removeObject(id);
    return abandoned.length;
  }
}

/** Keeps a client's file name as harmless metadata: no path, no control characters, bounded. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what goes
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (cleaned || 'upload').slice(0, 255);
}
