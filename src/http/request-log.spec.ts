import type { IncomingMessage, ServerResponse } from 'node:http';
import { leanRequest, leanResponse } from './request-log';

const request = (headers: Record<string, string>): IncomingMessage & { id?: unknown } =>
  ({
    id: 'req-1',
    method: 'POST',
    url: '/submit',
    originalUrl: '/api/tasks/submit?x=1',
    headers,
    socket: { remoteAddress: '127.0.0.1' },
  }) as unknown as IncomingMessage & { id?: unknown };

describe('the access line', () => {
  it('names the request by id, method, full URL and client address, and no other header', () => {
    expect(leanRequest(request({ 'user-agent': 'curl', host: 'x' }))).toEqual({
      id: 'req-1',
      method: 'POST',
      url: '/api/tasks/submit?x=1',
      remoteAddress: '127.0.0.1',
    });
  });

  it('says which credential was sent, never its value', () => {
    const logged = leanRequest(
      request({ authorization: 'Bearer cvk_secret', 'x-api-key': 'cvk_other', cookie: 's=1' }),
    );
    expect(logged.headers).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
    });
    expect(JSON.stringify(logged)).not.toMatch(/cvk_|s=1/);
  });

  it('gives the response its status only', () => {
    const response = { statusCode: 201, getHeaders: () => ({ 'set-cookie': 'x' }) };
    expect(leanResponse(response as unknown as ServerResponse)).toEqual({ statusCode: 201 });
  });
});
