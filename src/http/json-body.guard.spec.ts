import type { ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { UnsupportedMediaTypeError } from './domain-error';
import { JsonBodyGuard } from './json-body.guard';

const contextFor = (request: unknown): ExecutionContext =>
  ({ switchToHttp: () => ({ getRequest: () => request }) }) as unknown as ExecutionContext;

const onFastify = (headers: IncomingHttpHeaders): ExecutionContext =>
  contextFor({ raw: { headers } });
const onNode = (headers: IncomingHttpHeaders): ExecutionContext => contextFor({ headers });

describe('JsonBodyGuard', () => {
  const guard = new JsonBodyGuard();

  it.each([onFastify, onNode])('lets JSON and body-less requests through (%#)', (wrap) => {
    expect(
      guard.canActivate(wrap({ 'content-type': 'application/json', 'content-length': '2' })),
    ).toBe(true);
    expect(
      guard.canActivate(
        wrap({ 'content-type': 'application/json; charset=utf-8', 'transfer-encoding': 'chunked' }),
      ),
    ).toBe(true);
    expect(guard.canActivate(wrap({}))).toBe(true);
  });

  it.each([onFastify, onNode])('refuses a body of another type, naming it (%#)', (wrap) => {
    expect(() =>
      guard.canActivate(
        wrap({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': '5' }),
      ),
    ).toThrow("'application/x-www-form-urlencoded'; send the body as application/json");
    expect(() => guard.canActivate(wrap({ 'transfer-encoding': 'chunked' }))).toThrow(
      UnsupportedMediaTypeError,
    );
  });

  it('counts a framed empty body as a body, as RFC 9112 does', () => {
    expect(() => guard.canActivate(onFastify({ 'content-length': '0' }))).toThrow(
      UnsupportedMediaTypeError,
    );
  });
});
