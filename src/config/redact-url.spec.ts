import { redactUrl, redactUrlsIn } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['redis://u:secret@127.0.0.1:6379/0', 'redis://u:***@127.0.0.1:6379/0'],
    ['redis://:secret@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379'],
    ['smtp://user:se/cret@mail.example.com:587', 'smtp://user:***@mail.example.com:587'],
    ['smtp://user:se cret@mail.example.com:587', 'smtp://user:***@mail.example.com:587'],
    ['postgres://u:1/a?b#c@d@db:5432/app', 'postgres://u:***@db:5432/app'],
    ['postgres://u:p%2Fw@db:5432/app', 'postgres://u:***@db:5432/app'],
  ])('hides the password of %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
    expect(redactUrl(url)).not.toMatch(/secret|se\/cret|p%2Fw|a\?b/);
  });

  it('leaves URLs without a password as they are', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('smtp://user@mail.example.com')).toBe('smtp://user@mail.example.com');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('redactUrlsIn', () => {
  it('hides the passwords of URLs inside a message and keeps the words around them', () => {
    expect(
      redactUrlsIn(
        'TypeError: Invalid URL\n  input: "postgres://u:se cret@db:5432/app" while starting',
      ),
    ).toBe('TypeError: Invalid URL\n  input: "postgres://u:***@db:5432/app" while starting');
    expect(redactUrlsIn('cannot reach redis://:pw/x@h:6379 after 3 tries')).toBe(
      'cannot reach redis://:***@h:6379 after 3 tries',
    );
  });
});
