import { ValidationProblem } from '../core/validation-problem';

/** Bytes of JSON a request body may hold: a submit and every other JSON route. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Bytes of JSON a bulk submit may hold: 1,000 tasks of 8 KiB each on average. Its cost stays
 * bounded as any body's is, by MAX_TOTAL_KEYS and MAX_STRING_BYTES over the whole request.
 */
export const MAX_BULK_BODY_BYTES = 8 * 1024 * 1024;
/** The routes that take MAX_BULK_BODY_BYTES. */
export const BULK_BODY_PATHS: readonly string[] = ['/api/tasks/bulk'];

/** Keys that could reach an object's prototype once the data is copied or merged. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
/** Levels of nesting allowed inside each top-level field (input_params itself is level 1). */
export const MAX_NESTING = 32;
/**
 * Keys one object may hold. class-transformer de-duplicates an object's keys with indexOf, so
 * its cost grows with the square of this: 90,000 keys held the event loop for seconds.
 */
export const MAX_OBJECT_KEYS = 1000;
/** Keys in the whole request, enough for 10,000 recipients with a name and a few fields each. */
export const MAX_TOTAL_KEYS = 50_000;
/** Bytes (UTF-8) one string may hold: an e-mail body or HTML part, or any other value. */
export const MAX_STRING_BYTES = 100 * 1024;
/** The walk stops after this many problems: enough to fix a request, cheap to answer. */
export const MAX_PROBLEMS = 20;

type Path = (string | number)[];
interface Frame {
  node: object;
  path: Path;
  level: number;
}

/** UTF-8 length, measured only when the UTF-16 length leaves a doubt. */
const tooLong = (text: string): boolean =>
  text.length > MAX_STRING_BYTES ||
  (text.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(text, 'utf8') > MAX_STRING_BYTES);

/**
 * The problems with the shape of parsed JSON (or a query object) that the validators must never
 * see, found in one linear pass before any of them runs: a forbidden key anywhere, located by
 * its full path; nesting deeper than MAX_NESTING inside a top-level field, located at that
 * field; an object with more than MAX_OBJECT_KEYS keys, more than MAX_TOTAL_KEYS keys in all,
 * and a string over MAX_STRING_BYTES. The walk keeps its own stack and never goes below the
 * allowed depth, so input of any depth is answered without recursion; it stops at MAX_PROBLEMS.
 */
export function requestShapeProblems(value: unknown, root: Path): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const tooDeep = new Set<string | number>();
  let totalKeys = 0;
  // The top-level fields' values are level 1.
  const stack: Frame[] = isContainer(value) ? [{ node: value, path: root, level: 0 }] : [];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const { node, path, level } = stack.pop()!;
    if (level > MAX_NESTING) {
      const field = path[root.length];
      if (!tooDeep.has(field)) {
        tooDeep.add(field);
        problems.push({
          loc: [...root, field],
          msg: `${String(field)} is nested more than ${MAX_NESTING} levels deep; flatten it`,
          type: 'too_deep',
        });
      }
      continue;
    }
    const isArray = Array.isArray(node);
    const keys = Object.keys(node);
    if (!isArray) {
      totalKeys += keys.length;
      if (keys.length > MAX_OBJECT_KEYS) {
        problems.push({
          loc: path,
          msg: `${describe(path)} has ${keys.length} keys; the limit is ${MAX_OBJECT_KEYS} keys in one object`,
          type: 'too_many_keys',
        });
        continue;
      }
      if (totalKeys > MAX_TOTAL_KEYS) {
        problems.push({
          loc: root,
          msg: `The request has more than ${MAX_TOTAL_KEYS} keys in all; that is the limit`,
          type: 'too_many_keys',
        });
        break;
      }
    }
    const children: Frame[] = [];
    for (const key of keys) {
      const child = (node as Record<string, unknown>)[key];
      const childPath = [...path, isArray ? Number(key) : key];
      if (!isArray && FORBIDDEN_KEYS.includes(key)) {
        problems.push({
          loc: childPath,
          msg: `The key "${key}" is not allowed (at ${childPath.join('.')}): it could alter object prototypes; rename or remove it`,
          type: 'forbidden_key',
        });
      } else if (typeof child === 'string' && tooLong(child)) {
        problems.push({
          loc: childPath,
          msg: `${describe(childPath)} is longer than the limit of ${MAX_STRING_BYTES / 1024} KiB (${MAX_STRING_BYTES} bytes) for one string; shorten it`,
          type: 'string_too_long',
        });
      } else if (isContainer(child)) {
        children.push({ node: child, path: childPath, level: level + 1 });
      }
      if (problems.length >= MAX_PROBLEMS) break;
    }
    // Reversed onto the stack so that the walk follows the document's order.
    for (let index = children.length - 1; index >= 0; index--) stack.push(children[index]);
  }
  return problems.slice(0, MAX_PROBLEMS);
}

const describe = (path: Path): string => (path.length > 1 ? path.slice(1).join('.') : 'The body');

const isContainer = (value: unknown): value is object =>
  typeof value === 'object' && value !== null;
