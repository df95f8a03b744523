import { StoredFile } from '../database/stored-file.entity';

export class FileResponse {
  file_id!: string;
  filename!: string;
  size!: number;
  /** Decided from the content, not from the name or the client's header. */
  content_type!: string;
  sha256!: string;
}

export const toFileResponse = (file: StoredFile): FileResponse => ({
  file_id: file.id,
  filename: file.filename,
  size: file.size,
  content_type: file.contentType,
  sha256: file.sha256,
});
