import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { installLeanAsyncResourceBind, nodeBindAddsAsyncResource } from './async-resource-bind';

type Collect = (options?: { type: 'minor' | 'major' }) => void;
type Bind = (this: AsyncResource, fn: () => unknown) => () => unknown;

const nodeBind = AsyncResource.prototype.bind as Bind;
const nodeAddsProperty = nodeBindAddsAsyncResource();

/** V8's own collector, callable without starting Node with --expose-gc. */
function exposeGc(): Collect {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Collect;
}

const BOUND_FUNCTIONS = 1_000;

const oldSpaceUsed = (): number =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ??
  NaN;

/**
 * Bytes that reach the old generation when BOUND_FUNCTIONS bound functions, each holding 8 KB,
 * are dropped and two young-generation collections run: what requests' bound functions leave.
 * The median of five tries: on a busy machine one try can read megabytes off in either
 * direction (what else the process promotes meanwhile, old space still being swept after the
 * major collection), and read once it made the lean bind miss in one CI run.
 */
function promotedBy(bind: Bind, collect: Collect): number {
  const tries: number[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    collect({ type: 'major' });
    const before = oldSpaceUsed();
    for (let i = 0; i < BOUND_FUNCTIONS; i++) {
      const held = new Array<number>(1000).fill(i);
      bind.call(new AsyncResource('test'), () => held.length);
    }
    collect({ type: 'minor' });
    collect({ type: 'minor' });
    tries.push(oldSpaceUsed() - before);
  }
  return tries.sort((a, b) => a - b)[Math.floor(tries.length / 2)];
}

describe('installLeanAsyncResourceBind', () => {
  let installed = false;
  beforeAll(() => {
    installed = installLeanAsyncResourceBind();
  });
  afterAll(() => {
    AsyncResource.prototype.bind = nodeBind as unknown as AsyncResource['bind'];
  });

  it('replaces Node’s bind exactly where Node adds the deprecated property', () => {
    expect(installed).toBe(nodeAddsProperty);
    expect(nodeBindAddsAsyncResource()).toBe(false);
    expect(installLeanAsyncResourceBind()).toBe(false);
  });

  it('runs the function in the async context of the binding, with its arguments', () => {
    const storage = new AsyncLocalStorage<string>();
    const bound = storage.run('when bound', () =>
      AsyncResource.bind((a: number, b: number) => `${storage.getStore()} ${a + b}`),
    );
    expect(storage.run('when called', () => bound(2, 3))).toBe('when bound 5');
    expect(bound.length).toBe(2);
  });

  it('passes the caller’s this, or the thisArg it was given', () => {
    function whoAmI(this: { name: string }): string {
      return this.name;
    }
    const resource = new AsyncResource('test');
    const method = { name: 'caller', whoAmI: resource.bind(whoAmI) };
    expect(method.whoAmI()).toBe('caller');
    const fixed = AsyncResource.bind(whoAmI, 'test', { name: 'given' });
    expect(fixed.call({ name: 'caller' })).toBe('given');
  });

  it('refuses what is not a function, as Node does', () => {
    const resource = new AsyncResource('test');
    expect(() => resource.bind('not a function' as unknown as () => void)).toThrow(TypeError);
  });

  it('lets what a dropped bound function held go at a young-generation collection', () => {
    const collect = exposeGc();
    const held = BOUND_FUNCTIONS * 8_000;
    const lean = promotedBy(AsyncResource.prototype.bind as Bind, collect);
    expect(lean).toBeLessThan(held / 4);
    if (nodeAddsProperty) {
      // The same measurement catches Node's own bind, which is why this one is installed.
      const node = promotedBy(nodeBind, collect);
      expect(node).toBeGreaterThan(held / 2);
      expect(lean).toBeLessThan(node / 4);
    }
  });
});
