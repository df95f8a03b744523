import {
  MAX_NESTING,
  MAX_OBJECT_KEYS,
  MAX_PROBLEMS,
  MAX_STRING_BYTES,
  MAX_TOTAL_KEYS,
  requestShapeProblems,
} from './request-shape';

const keys = (count: number, prefix = 'k'): Record<string, number> =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`${prefix}${index}`, 0]));

/** `levels` objects nested in one another, as JSON.parse would build them. */
const nested = (levels: number): unknown =>
  JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

describe('requestShapeProblems', () => {
  it('finds nothing wrong with ordinary task bodies', () => {
    expect(
      requestShapeProblems(
        {
          task_type: 'email_sending',
          input_params: { recipients: [{ email: 'a@example.com', name: 'A' }], subject: 'Hi' },
        },
        ['body'],
      ),
    ).toEqual([]);
    expect(requestShapeProblems('text', ['body'])).toEqual([]);
    expect(requestShapeProblems(null, ['body'])).toEqual([]);
  });

  it('names each prototype key with its full path, wherever it is', () => {
    const body = JSON.parse(
      '{"__proto__": 1, "input_params": {"recipients": [{"email": "a@example.com", "constructor": "x"}], "deep": {"prototype": {}}}}',
    ) as unknown;
    expect(requestShapeProblems(body, ['body'])).toEqual([
      expect.objectContaining({ loc: ['body', '__proto__'], type: 'forbidden_key' }),
      expect.objectContaining({
        loc: ['body', 'input_params', 'recipients', 0, 'constructor'],
        msg: expect.stringContaining('"constructor"') as unknown,
      }),
      expect.objectContaining({ loc: ['body', 'input_params', 'deep', 'prototype'] }),
    ]);
  });

  it('accepts MAX_NESTING levels inside a field and refuses one more, at that field', () => {
    expect(requestShapeProblems({ input_params: nested(MAX_NESTING) }, ['body'])).toEqual([]);
    expect(requestShapeProblems({ input_params: nested(MAX_NESTING + 1) }, ['body'])).toEqual([
      {
        loc: ['body', 'input_params'],
        msg: `input_params is nested more than ${MAX_NESTING} levels deep; flatten it`,
        type: 'too_deep',
      },
    ]);
  });

  it('answers 100,000 levels without recursing, and a forbidden key below them is not reached', () => {
    const deep = JSON.parse(
      `{"input_params":${'[{"a":'.repeat(50_000)}{"__proto__":1}${'}]'.repeat(50_000)}}`,
    ) as unknown;
    expect(requestShapeProblems(deep, ['body'])).toEqual([
      expect.objectContaining({ loc: ['body', 'input_params'], type: 'too_deep' }),
    ]);
  });

  it('stops at MAX_PROBLEMS problems', () => {
    const many = JSON.parse(
      `{"input_params": [${Array.from({ length: 50 }, () => '{"__proto__": 1}').join(',')}]}`,
    ) as unknown;
    expect(requestShapeProblems(many, ['body'])).toHaveLength(MAX_PROBLEMS);
  });

  it('accepts MAX_OBJECT_KEYS keys in one object and refuses one more, naming the object and the limit', () => {
    expect(requestShapeProblems({ input_params: keys(MAX_OBJECT_KEYS) }, ['body'])).toEqual([]);
    expect(
      requestShapeProblems({ input_params: { nested: keys(MAX_OBJECT_KEYS + 1) } }, ['body']),
    ).toEqual([
      {
        loc: ['body', 'input_params', 'nested'],
        msg: `input_params.nested has ${MAX_OBJECT_KEYS + 1} keys; the limit is ${MAX_OBJECT_KEYS} keys in one object`,
        type: 'too_many_keys',
      },
    ]);
  });

  it('answers 90,000 unknown keys with one problem, not one per key', () => {
    expect(requestShapeProblems({ input_params: keys(90_000) }, ['body'])).toEqual([
      expect.objectContaining({ loc: ['body', 'input_params'], type: 'too_many_keys' }),
    ]);
  });

  it('refuses more than MAX_TOTAL_KEYS keys across many small objects', () => {
    const perObject = 500;
    const objects = Array.from({ length: MAX_TOTAL_KEYS / perObject + 1 }, (_, index) =>
      keys(perObject, `o${index}_`),
    );
    expect(requestShapeProblems({ input_params: { recipients: objects } }, ['body'])).toEqual([
      {
        loc: ['body'],
        msg: `The request has more than ${MAX_TOTAL_KEYS} keys in all; that is the limit`,
        type: 'too_many_keys',
      },
    ]);
    // 10,000 recipients with a name and a field each stay well inside it.
    const recipients = Array.from({ length: 10_000 }, (_, index) => ({
      email: `user${index}@example.com`,
      name: 'A',
      plan: 'pro',
    }));
    expect(requestShapeProblems({ input_params: { recipients } }, ['body'])).toEqual([]);
  });

  it('refuses a string over MAX_STRING_BYTES bytes of UTF-8, anywhere, naming the limit', () => {
    expect(
      requestShapeProblems({ input_params: { body: 'a'.repeat(MAX_STRING_BYTES) } }, ['body']),
    ).toEqual([]);
    expect(
      requestShapeProblems({ input_params: { html: 'a'.repeat(MAX_STRING_BYTES + 1) } }, ['body']),
    ).toEqual([
      {
        loc: ['body', 'input_params', 'html'],
        msg: 'input_params.html is longer than the limit of 100 KiB (102400 bytes) for one string; shorten it',
        type: 'string_too_long',
      },
    ]);
    // 40,000 three-byte characters are 120,000 bytes.
    expect(
      requestShapeProblems({ input_params: { recipients: [{ name: '€'.repeat(40_000) }] } }, [
        'body',
      ]),
    ).toEqual([
      expect.objectContaining({
        loc: ['body', 'input_params', 'recipients', 0, 'name'],
        type: 'string_too_long',
      }),
    ]);
  });
});
