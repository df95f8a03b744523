import { isIP } from 'node:net';

/** Names that always resolve to this machine (RFC 6761 reserves `localhost` and its subdomains). */
const LOOPBACK_NAMES = /^(localhost|[a-z0-9-]+\.localhost)\.?$/i;

/**
 * True for an address or name that only this machine can reach: 127.0.0.0/8, ::1 (also in
 * brackets or IPv4-mapped) and localhost. Used for HOST (may open mode run here?) and for the
 * Host header in open mode (against DNS rebinding).
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  if (LOOPBACK_NAMES.test(bare)) return true;
  const mapped = bare.replace(/^::ffff:/, '');
  if (isIP(mapped) === 4) return mapped.startsWith('127.');
  return isIP(bare) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(bare);
}

/** The host name of a Host header value, without its port ("[::1]:3000" → "::1"). */
export function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') >>> 0);
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}
