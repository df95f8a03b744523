import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from './address-policy';

/** Why a URL may not receive webhooks; the message is for the one who gave it. */
export class RefusedTargetError extends Error {}

export interface ResolvedTarget {
  url: URL;
  /** The addresses checked, the one to connect to first. */
  addresses: { address: string; family: 4 | 6 }[];
}

const MAX_URL_LENGTH = 2048;

/** The URL's form alone: http or https, a host, no credentials, not too long. */
export function parseTargetUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) {
    throw new RefusedTargetError(`must be at most ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedTargetError('must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RefusedTargetError('must be an http or https URL');
  }
  if (url.username || url.password) {
    throw new RefusedTargetError('must not carry a user name or password');
  }
  if (!url.hostname) throw new RefusedTargetError('must name a host');
  return url;
}

/**
 * Resolves the URL's host to every address it has and refuses it when any is not public,
 * unless `allowPrivate`. The caller connects to an address checked here, never resolving
 * again, so a DNS answer that changes in between (rebinding) cannot reach a private address.
 */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  const url = parseTargetUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: 4 | 6 }[];
  const literal = isIP(host);
  if (literal) {
    addresses = [{ address: host, family: literal as 4 | 6 }];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => ({
        address: entry.address,
        family: entry.family as 4 | 6,
      }));
    } catch {
      throw new RefusedTargetError(`host ${host} could not be resolved`);
    }
    if (addresses.length === 0) throw new RefusedTargetError(`host ${host} has no address`);
  }
  if (!allowPrivate) {
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) {
      throw new RefusedTargetError(
        `resolves to ${refused.address}, a private, loopback or otherwise non-public address; webhooks may only reach public addresses (WEBHOOK_ALLOW_PRIVATE=true allows others)`,
      );
    }
  }
  return { url, addresses };
}
