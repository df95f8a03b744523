/**
 * Where each file lives in the store, and the URL task outputs are served at: the one place
 * they are spelled. The keys are the folders Conveyor has always kept under DATA_DIR, so the
 * disk store needs no migration; in a bucket they sit under STORAGE_URL's prefix.
 */

/** Uploads, each under its file id; never under the client's name. */
export const uploadKey = (fileId: string): string => `uploads/${fileId}`;

/** Everything a task wrote (its outputs folder included). */
export const taskFolder = (taskId: string): string => `tasks/${taskId}`;

/** The files a task keeps as its result, served by GET /api/tasks/:id/files/:name. */
export const outputFolder = (taskId: string): string => `${taskFolder(taskId)}/outputs`;

export const outputKey = (taskId: string, name: string): string =>
  `${outputFolder(taskId)}/${name}`;

export const outputUrl = (taskId: string, name: string): string =>
  `/api/tasks/${taskId}/files/${encodeURIComponent(name)}`;

/** The .eml files of a task's e-mail when no SMTP_URL is set. */
export const outboxFolder = (taskId: string): string => `outbox/${taskId}`;

export const outboxKey = (taskId: string, name: string): string =>
  `${outboxFolder(taskId)}/${name}`;
