import type { ValidationProblem } from '../api/types';

/**
 * Sorts the API's 422 problems by the form field they name: `["body","input_params","num_rows"]`
 * goes beside num_rows, `["body","task_type"]` beside the type; the rest are for the whole form.
 */
export function problemsByField(
  problems: ValidationProblem[],
  knownFields: ReadonlySet<string>,
): { fieldErrors: Record<string, string>; formErrors: string[] } {
  const fieldErrors: Record<string, string> = {};
  const formErrors: string[] = [];
  for (const problem of problems) {
    const [where, section, name] = problem.loc;
    const field =
      where === 'body' && section === 'input_params' && typeof name === 'string'
        ? name
        : where === 'body' && section === 'task_type'
          ? 'task_type'
          : undefined;
    if (field && knownFields.has(field)) {
      // Several problems on one field (items of a list, say) are shown together.
      fieldErrors[field] = fieldErrors[field]
        ? `${fieldErrors[field]}; ${problem.msg}`
        : problem.msg;
    } else {
      const place = problem.loc.slice(1).join('.');
      formErrors.push(place ? `${place}: ${problem.msg}` : problem.msg);
    }
  }
  return { fieldErrors, formErrors };
}
