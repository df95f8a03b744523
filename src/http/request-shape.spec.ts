import { MAX_NESTING, MAX_PROBLEMS, requestShapeProblems } from './request-shape';

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
});
