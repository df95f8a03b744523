import type { ValidationProblem } from './types';

const isProblemList = (detail: unknown): detail is ValidationProblem[] =>
  Array.isArray(detail) &&
  detail.every(
    (item: unknown) =>
      typeof item === 'object' &&
      item !== null &&
      'msg' in item &&
      'loc' in item &&
      Array.isArray(item.loc),
  );

/** A failed API call: the HTTP status (0 when the service could not be reached) and its detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The 422 problems, one per field, when the answer carried them. */
  get problems(): ValidationProblem[] {
    return isProblemList(this.detail) ? this.detail : [];
  }

  static fromAnswer(status: number, body: unknown): ApiError {
    const detail =
      typeof body === 'object' && body !== null && 'detail' in body ? body.detail : body;
    return new ApiError(status, detail, describeDetail(status, detail));
  }
}

function describeDetail(status: number, detail: unknown): string {
  if (typeof detail === 'string' && detail.trim() !== '') return detail;
  if (isProblemList(detail)) {
    return detail.map((problem) => `${problem.loc.slice(1).join('.')}: ${problem.msg}`).join('; ');
  }
  return `The service answered ${status}`;
}
