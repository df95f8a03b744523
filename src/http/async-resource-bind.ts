import { AsyncResource } from 'node:async_hooks';

type AnyFunction = (...args: unknown[]) => unknown;

/** Whether this Node's `AsyncResource#bind` still gives bound functions the property. */
export const nodeBindAddsAsyncResource = (): boolean =>
  Object.prototype.hasOwnProperty.call(
    new AsyncResource('conveyor-probe').bind(() => undefined),
    'asyncResource',
  );

/**
 * `AsyncResource#bind` as Node defines it, without the `asyncResource` accessor (DEP0172,
 * deprecated since Node 20) that it puts on every bound function, made of two new closures per
 * call. V8 keeps what such a function holds alive through young-generation collections until the
 * next full one. Nest binds a function per interceptor on every request and Fastify one per
 * parsed body, so each request's objects (request, reply, context, closures) were promoted to
 * the old generation: about 11 KB per request, scavenges two to three times as long
 * (bench/README, "Kept: a bind without the deprecated accessor"). Same async scope, same `this`,
 * same arguments and `length`. Installed only where Node still defines the property; answers
 * whether it replaced Node's.
 */
export function installLeanAsyncResourceBind(): boolean {
  if (!nodeBindAddsAsyncResource()) return false;
  AsyncResource.prototype.bind = leanBind as AsyncResource['bind'];
  return true;
}

function leanBind(this: AsyncResource, fn: AnyFunction, thisArg?: unknown): AnyFunction {
  if (typeof fn !== 'function')
    throw new TypeError(`The "fn" argument must be of type function; received ${typeof fn}`);
  const runInScope = (self: unknown, args: unknown[]): unknown =>
    this.runInAsyncScope(fn, self, ...args);
  const bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]): unknown {
          return runInScope(this, args);
        }
      : (...args: unknown[]): unknown => runInScope(thisArg, args);
  Object.defineProperty(bound, 'length', { configurable: true, value: fn.length });
  return bound;
}
