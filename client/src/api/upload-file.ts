import { CLIENT_HEADER, reportUnauthorized } from './api-client';
import { ApiError } from './api-error';
import type { UploadedFile } from './types';

/**
 * Sends one file to POST /api/files as multipart field `file`. XMLHttpRequest rather than fetch,
 * because only it reports upload progress, which matters for large CSV files.
 */
export function uploadFile(
  file: File,
  onProgress: (percent: number) => void,
  signal?: AbortSignal,
): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/files');
    for (const [name, value] of Object.entries(CLIENT_HEADER)) xhr.setRequestHeader(name, value);
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress((event.loaded / event.total) * 100);
    });
    xhr.addEventListener('load', () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: the text is the message
      }
      if (xhr.status === 401) reportUnauthorized();
      if (xhr.status === 201 || xhr.status === 200) resolve(body as UploadedFile);
      else reject(ApiError.fromAnswer(xhr.status, body));
    });
    xhr.addEventListener('error', () =>
      reject(new ApiError(0, null, 'The upload failed: the service cannot be reached')),
    );
    xhr.addEventListener('abort', () => reject(new ApiError(0, null, 'The upload was cancelled')));
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
