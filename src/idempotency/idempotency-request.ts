import { createHash } from 'node:crypto';
import { ValidationProblem } from '../core/validation-problem';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Printable ASCII, space included: what survives every proxy and log unchanged. */
const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * The key a request sent, or a problem naming what is wrong with it: 1 to 255 printable
 * characters. Undefined when the header is absent.
 */
export function idempotencyKeyOf(header: string | string[] | undefined): {
  key?: string;
  problem?: ValidationProblem;
} {
  if (header === undefined) return {};
  const loc = ['header', IDEMPOTENCY_HEADER];
  const rule = `${IDEMPOTENCY_HEADER} must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`;
  if (Array.isArray(header)) {
    return { problem: { loc, msg: `Send one ${IDEMPOTENCY_HEADER} header`, type: 'value_error' } };
  }
  if (
    header.length === 0 ||
    header.length > MAX_IDEMPOTENCY_KEY_LENGTH ||
    !PRINTABLE.test(header)
  ) {
    return { problem: { loc, msg: rule, type: 'value_error' } };
  }
  return { key: header };
}

/**
 * JSON with every object's keys sorted, so that two bodies that differ only in key order (or
 * whitespace, already gone once parsed) are the same request.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex) of the method, the path and the canonical body: what "the same request" means. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}
