import { ValidationProblem } from '../core/validation-problem';

/** Keys that could reach an object's prototype once the data is copied or merged. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
/** Levels of nesting allowed inside each top-level field (input_params itself is level 1). */
export const MAX_NESTING = 32;
/** The walk stops after this many problems: enough to fix a request, cheap to answer. */
export const MAX_PROBLEMS = 20;

type Path = (string | number)[];

/**
 * The problems with the shape of parsed JSON (or a query object) that the validators must never
 * see: a forbidden key anywhere, located by its full path, and nesting deeper than MAX_NESTING
 * inside a top-level field, located at that field. The walk keeps its own stack and never goes
 * below the allowed depth, so input of any depth is answered without recursion.
 */
export function requestShapeProblems(value: unknown, root: Path): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const tooDeep = new Set<string | number>();
  // The top-level fields' values are level 1.
  const stack: { node: object; path: Path; level: number }[] = isContainer(value)
    ? [{ node: value, path: root, level: 0 }]
    : [];
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
    const children: { node: object; path: Path; level: number }[] = [];
    for (const [key, child] of Object.entries(node)) {
      const childPath = [...path, Array.isArray(node) ? Number(key) : key];
      if (!Array.isArray(node) && FORBIDDEN_KEYS.includes(key)) {
        problems.push({
          loc: childPath,
          msg: `The key "${key}" is not allowed (at ${childPath.join('.')}): it could alter object prototypes; rename or remove it`,
          type: 'forbidden_key',
        });
      } else if (isContainer(child)) {
        children.push({ node: child, path: childPath, level: level + 1 });
      }
    }
    // Reversed onto the stack so that the walk follows the document's order.
    for (let index = children.length - 1; index >= 0; index--) stack.push(children[index]);
  }
  return problems.slice(0, MAX_PROBLEMS);
}

const isContainer = (value: unknown): value is object =>
  typeof value === 'object' && value !== null;
