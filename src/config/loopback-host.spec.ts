import { hostnameOf, isLoopbackHost } from './loopback-host';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    'localhost',
    'LOCALHOST',
    'app.localhost',
    '::ffff:127.0.0.1',
  ])('takes %s for loopback', (host) => expect(isLoopbackHost(host)).toBe(true));

  it.each([
    '0.0.0.0',
    '::',
    '192.168.0.10',
    '10.0.0.1',
    'example.com',
    'localhost.example.com',
    '128.0.0.1',
    '',
    '::2',
  ])('takes %j for reachable from elsewhere', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('hostnameOf', () => {
  it.each([
    ['127.0.0.1:3000', '127.0.0.1'],
    ['localhost', 'localhost'],
    ['[::1]:8080', '::1'],
    ['[::1]', '::1'],
    ['evil.example:3000', 'evil.example'],
  ])('reads %s as %s', (header, name) => expect(hostnameOf(header)).toBe(name));
});
