import { JsonObject } from '../core/json';
import type { RecipientInput } from '../task-types/email/email.params';
import { seedRecipients } from '../task-types/email/message';

/** One row of a task's per-item outcomes, as GET /api/tasks/{id}/items.csv lists them. */
export type ItemRow = readonly (string | number | null)[];

/** Why a task has no failed items to retry, or the parameters of the task that retries them. */
export type FailedItemsRetry = { params: JsonObject } | { refusal: string };

const asObjects = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.filter(
        (item): item is Record<string, unknown> =>
          typeof item === 'object' && item !== null && !Array.isArray(item),
      )
    : [];

const addressOf = (item: RecipientInput): string =>
  (typeof item === 'string' ? item : item.email).toLowerCase();

/**
 * The e-mail task that sends again to `failed` (addresses the ledger holds as failed) and to
 * no one else: the original's items for those addresses, in the original's order, with their
 * names and placeholder fields; a seed task's generated addresses become a recipient list.
 */
export function emailFailedItemsRetry(
  params: JsonObject,
  failed: readonly string[],
): FailedItemsRetry {
  const wanted = new Set(failed.map((address) => address.toLowerCase()));
  if (wanted.size === 0) return { refusal: 'No recipient of this task failed: nothing to retry' };
  const listed: RecipientInput[] = Array.isArray(params.recipients)
    ? (params.recipients as RecipientInput[])
    : seedRecipients(typeof params.num_emails === 'number' ? params.num_emails : 0).map(
        (recipient) => recipient.email,
      );
  const seen = new Set<string>();
  const recipients = listed.filter((item) => {
    const address = addressOf(item);
    if (!wanted.has(address) || seen.has(address)) return false;
    seen.add(address);
    return true;
  });
  if (recipients.length === 0) {
    return { refusal: 'No recipient of this task failed: nothing to retry' };
  }
  // A seed task's count gives way to the list: the two are never given together.
  const rest = Object.fromEntries(Object.entries(params).filter(([key]) => key !== 'num_emails'));
  return { params: { ...rest, recipients } };
}

/** The images of an image task's result that failed, with the index they had among the inputs. */
function failedImages(
  result: JsonObject | null,
): { index: number; image: Record<string, unknown> }[] {
  return asObjects(result?.images)
    .map((image, index) => ({ index, image }))
    .filter(({ image }) => typeof image.error === 'string');
}

/**
 * The image task that resizes again only the uploads that failed. The result lists images in
 * the order of the distinct file_ids; a result that names each one's file_id is read by that.
 */
export function imageFailedItemsRetry(
  params: JsonObject,
  result: JsonObject | null,
): FailedItemsRetry {
  if (!Array.isArray(result?.images)) {
    return {
      refusal:
        'This task recorded no per-image outcomes (it did not get to run them); retry the whole task instead',
    };
  }
  const failed = failedImages(result);
  if (failed.length === 0) return { refusal: 'No image of this task failed: nothing to retry' };
  if (!Array.isArray(params.file_ids)) {
    return {
      refusal:
        'The failed images were generated test images (num_images), which cannot be picked one by one; retry the whole task instead',
    };
  }
  const distinct = [...new Set(params.file_ids.filter((id) => typeof id === 'string'))];
  const ids = failed.flatMap(({ index, image }) => {
    const id = typeof image.file_id === 'string' ? image.file_id : distinct[index];
    return id === undefined ? [] : [id];
  });
  if (ids.length === 0) return { refusal: 'No image of this task failed: nothing to retry' };
  return { params: { ...params, file_ids: [...new Set(ids)] } };
}

/** image,status,error for each image of an image task's result, in input order. */
export function imageItemRows(result: JsonObject | null): ItemRow[] {
  return asObjects(result?.images).map((image) => [
    typeof image.original_name === 'string' ? image.original_name : '',
    typeof image.error === 'string' ? 'failed' : 'processed',
    typeof image.error === 'string' ? image.error : null,
  ]);
}

/** line,status,error for each malformed row a CSV task's result lists (the first ones only). */
export function csvItemRows(result: JsonObject | null): ItemRow[] {
  return asObjects(result?.malformed_examples).map((row) => [
    typeof row.line === 'number' ? row.line : null,
    'malformed',
    typeof row.error === 'string' ? row.error : null,
  ]);
}

/** The header of each type's items CSV. */
export const ITEM_HEADERS = {
  email_sending: ['recipient', 'status', 'response'],
  image_processing: ['image', 'status', 'error'],
  csv_processing: ['line', 'status', 'error'],
} as const;
