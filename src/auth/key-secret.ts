import { createHash, randomBytes } from 'node:crypto';

/** Every key starts so, which lets secret scanners and people recognise a Conveyor key. */
export const KEY_PREFIX = 'cvk_';

/** A new key: 256 random bits after the prefix. */
export const generateKey = (): string => `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;

/**
 * What is stored and compared. A plain SHA-256 is enough for keys of 256 random bits: no
 * dictionary or brute force applies, so a slow password hash would only slow every request.
 */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');
