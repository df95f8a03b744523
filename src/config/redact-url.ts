/** Shown instead of a password. */
export const HIDDEN = '***';

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/**
 * A URL with its password hidden, whatever the password holds. A password with an unencoded
 * `/`, `?`, `#`, `@` or space defeats the URL parser (it ends the host early, or moves the
 * secret into the path), so the credentials are taken as everything up to the last `@`
 * before the host, and then the rest is parsed.
 */
export function redactUrl(value: string): string {
  const scheme = SCHEME.exec(value)?.[0];
  if (!scheme) return value;
  const rest = value.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return value;
  const credentials = rest.slice(0, at);
  const colon = credentials.indexOf(':');
  const user = colon < 0 ? credentials : credentials.slice(0, colon);
  // A user name alone is no secret; anything after its colon is.
  const hidden = colon < 0 ? user : `${user}:${HIDDEN}`;
  return `${scheme}${hidden}${rest.slice(at)}`;
}

/** Every URL in a text (an error message, a stack) with its password hidden. */
export function redactUrlsIn(text: string): string {
  // A URL runs to the end of its line or a quote; redactUrl then finds its last `@`.
  return text.replace(/[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^'"`\n]*/g, (url) => {
    // Stop at the first blank after the host, so that the words after a URL stay.
    const at = url.lastIndexOf('@');
    if (at < 0) return url;
    const tail = url.slice(at).search(/\s/);
    return tail < 0 ? redactUrl(url) : redactUrl(url.slice(0, at + tail)) + url.slice(at + tail);
  });
}
