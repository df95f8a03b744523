import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { RequestValidationError } from './domain-error';
import { BodyRefusedError, DRAIN_BYTES, parseJson, readJsonBody } from './json-body';

const JSON_TYPE = { 'content-type': 'application/json' };

describe('parseJson', () => {
  it('parses an object or an array, and reads an empty body as {}', () => {
    expect(parseJson(JSON_TYPE, Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(parseJson(JSON_TYPE, Buffer.from(' [1] '))).toEqual([1]);
    expect(parseJson(JSON_TYPE, Buffer.from(''))).toEqual({});
    expect(parseJson(JSON_TYPE, Buffer.from(' \n'))).toEqual({});
  });

  it('keeps a __proto__ key as an own key, for the shape check to refuse by name', () => {
    const parsed = parseJson(JSON_TYPE, Buffer.from('{"__proto__":{"polluted":true}}')) as object;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers invalid JSON and a bare value with a 422 json_invalid problem', () => {
    for (const text of ['{"task_type":', '"x"', '42']) {
      let thrown: unknown;
      try {
        parseJson(JSON_TYPE, Buffer.from(text));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RequestValidationError);
      expect((thrown as RequestValidationError).problems).toEqual([
        expect.objectContaining({ loc: ['body'], type: 'json_invalid' }) as unknown,
      ]);
    }
  });

  it('refuses another charset or a compressed body with a 415 that says what to send', () => {
    const latin = (): unknown =>
      parseJson({ 'content-type': 'application/json; charset=ebcdic' }, Buffer.from('{}'));
    expect(latin).toThrow(BodyRefusedError);
    expect(latin).toThrow('unsupported charset "EBCDIC"; send UTF-8 JSON');
    expect(
      parseJson({ 'content-type': 'application/json; charset="UTF-8"' }, Buffer.from('{}')),
    ).toEqual({});
    expect(() =>
      parseJson({ ...JSON_TYPE, 'content-encoding': 'gzip' }, Buffer.from('{}')),
    ).toThrow('unsupported content encoding "gzip"');
  });
});

describe('readJsonBody', () => {
  /** Feeds `body` in 64 KiB chunks to the parser of a route with `limit`; what it decided. */
  async function read(body: Buffer, limit: number, declared = body.length) {
    const stream = new PassThrough();
    const payload = stream as unknown as IncomingMessage;
    const headers = { ...JSON_TYPE, 'content-length': String(declared) };
    const request = { headers, routeOptions: { bodyLimit: limit } } as unknown as FastifyRequest;
    const outcome = new Promise<{ error: Error | null; value?: unknown }>((resolve) =>
      readJsonBody(request, payload, (error, value) => resolve({ error, value })),
    );
    for (let at = 0; at < body.length && stream.writable; at += 65536) {
      stream.write(body.subarray(at, at + 65536));
    }
    stream.end();
    const result = await outcome;
    return { ...result, readableEnded: stream.readableEnded };
  }

  it('parses a body within the limit', async () => {
    expect(await read(Buffer.from('{"a":1}'), 100)).toMatchObject({ error: null, value: { a: 1 } });
  });

  it('reads a too-large body to its end before refusing it, so the client reads its 413', async () => {
    const outcome = await read(Buffer.alloc(300_000, 0x20), 100_000);
    expect(outcome.error).toBeInstanceOf(BodyRefusedError);
    expect((outcome.error as BodyRefusedError).status).toBe(413);
    expect(outcome.error?.message).toContain('1 MiB limit');
    expect(outcome.readableEnded).toBe(true);
  });

  it("names a bulk submit's larger limit", async () => {
    const outcome = await read(Buffer.alloc(9 * 1024 * 1024, 0x20), 8 * 1024 * 1024);
    expect(outcome.error?.message).toContain('the 8 MiB limit of a bulk submit');
  });

  it('refuses at once, without reading, a body declared far past the limit', async () => {
    const outcome = await read(Buffer.alloc(10), 100, 100 + DRAIN_BYTES + 1);
    expect((outcome.error as BodyRefusedError).status).toBe(413);
  });
});
