import { canonicalJson, idempotencyKeyOf, requestHash } from './idempotency-request';

describe('idempotencyKeyOf', () => {
  it('takes 1 to 255 printable characters, and nothing when the header is absent', () => {
    expect(idempotencyKeyOf(undefined)).toEqual({});
    expect(idempotencyKeyOf('a')).toEqual({ key: 'a' });
    expect(idempotencyKeyOf('order 42/retry:~')).toEqual({ key: 'order 42/retry:~' });
    expect(idempotencyKeyOf('k'.repeat(255))).toEqual({ key: 'k'.repeat(255) });
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['a control character', 'a\tb'],
    ['non-ASCII', 'clé'],
  ])('refuses a key that is %s, located at the header', (_what, header) => {
    expect(idempotencyKeyOf(header).problem).toMatchObject({
      loc: ['header', 'Idempotency-Key'],
    });
  });

  it('refuses the header sent twice', () => {
    expect(idempotencyKeyOf(['a', 'b']).problem).toBeDefined();
  });
});

describe('canonicalJson and requestHash', () => {
  it('ignores the order of keys, at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('tells apart bodies, paths and methods, but not the order of keys', () => {
    const hash = requestHash('POST', '/api/tasks/submit', { task_type: 'x', input_params: {} });
    expect(requestHash('post', '/api/tasks/submit', { input_params: {}, task_type: 'x' })).toBe(
      hash,
    );
    expect(requestHash('POST', '/api/tasks/submit', { task_type: 'y', input_params: {} })).not.toBe(
      hash,
    );
    expect(requestHash('POST', '/api/tasks/bulk', { task_type: 'x', input_params: {} })).not.toBe(
      hash,
    );
    // An array's order is meaning: a bulk's tasks answer in it.
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});
