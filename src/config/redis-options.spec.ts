import { redisOptionsFromUrl } from './redis-options';

describe('redisOptionsFromUrl', () => {
  it('reads host and port, with database 0 and no TLS by default', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6379')).toEqual({
      host: '127.0.0.1',
      port: 6379,
      username: undefined,
      password: undefined,
      db: 0,
      tls: undefined,
    });
  });

  it('defaults the port to 6379', () => {
    expect(redisOptionsFromUrl('redis://cache.internal')).toMatchObject({
      host: 'cache.internal',
      port: 6379,
    });
  });

  it('reads the database number from the path', () => {
    expect(redisOptionsFromUrl('redis://cache:6380/5')).toMatchObject({ port: 6380, db: 5 });
    expect(redisOptionsFromUrl('redis://cache:6380/')).toMatchObject({ db: 0 });
  });

  it('decodes user name and password', () => {
    expect(redisOptionsFromUrl('redis://app%2Bworker:p%40ss%3Aword@cache:6379/1')).toMatchObject({
      username: 'app+worker',
      password: 'p@ss:word',
      db: 1,
    });
  });

  it('takes a password without a user name', () => {
    expect(redisOptionsFromUrl('redis://:secret@cache')).toMatchObject({
      username: undefined,
      password: 'secret',
    });
  });

  it('turns TLS on for rediss://', () => {
    expect(redisOptionsFromUrl('rediss://cache.example.com:6380').tls).toEqual({});
    expect(redisOptionsFromUrl('redis://cache.example.com:6380').tls).toBeUndefined();
  });

  it('strips the brackets of an IPv6 address', () => {
    expect(redisOptionsFromUrl('redis://[::1]:6379/2')).toMatchObject({
      host: '::1',
      port: 6379,
      db: 2,
    });
  });
});
