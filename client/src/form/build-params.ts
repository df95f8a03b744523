import type { JsonObject } from '../api/types';
import { visibleFields, type FormValues, type SourceId, type TaskFormSpec } from './field-specs';
import { parseRecipients } from './recipients';

export interface BuiltParams {
  params: JsonObject;
  /** Problems the page can see before asking the API, by field name. */
  errors: Record<string, string>;
}

/**
 * The form's values as input_params: numbers as numbers, empty optional fields left out (the
 * API fills its defaults), uploads as file ids. Value checks are the API's job, so its
 * messages are the ones shown; only what cannot be sent at all is caught here.
 */
export function buildParams(
  spec: TaskFormSpec,
  source: SourceId,
  values: FormValues,
  uploadedIds: string[],
  invalidNumbers: ReadonlySet<string>,
): BuiltParams {
  const params: JsonObject = {};
  const errors: Record<string, string> = {};
  for (const field of visibleFields(spec, source)) {
    const value = values[field.name];
    if (field.kind === 'checkbox') {
      params[field.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (field.kind === 'integer' || field.kind === 'number') {
      if (invalidNumbers.has(field.name)) errors[field.name] = `${field.label} must be a number`;
      else if (text !== '') params[field.name] = Number(text);
      continue;
    }
    if (field.name === 'recipients') {
      params.recipients = parseRecipients(typeof value === 'string' ? value : '');
      continue;
    }
    // Free text keeps its spaces; only an empty field is left out.
    if (typeof value === 'string' && value !== '') params[field.name] = value;
  }
  const upload = spec.upload;
  if (upload && source === 'upload') {
    if (uploadedIds.length === 0) {
      errors[upload.name] = upload.multiple
        ? 'Add at least one image and wait for its upload to finish'
        : 'Add a CSV file and wait for its upload to finish';
    } else if (upload.multiple) {
      params[upload.name] = uploadedIds;
    } else {
      params[upload.name] = uploadedIds[0];
    }
  }
  return { params, errors };
}
