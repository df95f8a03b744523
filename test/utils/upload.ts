import { openAsBlob } from 'node:fs';

export interface UploadAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs one file as multipart field "file", streamed from disk or from memory. */
export async function upload(
  baseUrl: string,
  content: Buffer | string,
  filename: string,
  headers: Record<string, string> = {},
): Promise<UploadAnswer> {
  const form = new FormData();
  const blob = Buffer.isBuffer(content) ? new Blob([content]) : await openAsBlob(content);
  form.append('file', blob, filename);
  const response = await fetch(`${baseUrl}/api/files`, { method: 'POST', body: form, headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
