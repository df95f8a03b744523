import { JsonObject } from '../core/json';

/**
 * The upload ids a task's input_params name (a CSV task's `file_id`, an image task's
 * `file_ids`), lower-cased as the files table keeps them, each once.
 */
export function uploadIdsOf(params: JsonObject): string[] {
  const named = [
    params.file_id,
    ...(Array.isArray(params.file_ids) ? (params.file_ids as unknown[]) : []),
  ];
  return [
    ...new Set(
      named.filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase()),
    ),
  ];
}
