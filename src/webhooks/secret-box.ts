import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const SEALED = 'v1:';

/**
 * Seals webhook secrets at rest with AES-256-GCM under a key derived from WEBHOOK_SECRET_KEY;
 * without that key they are stored as given. A stored value tells which it is, so setting the
 * key later still reads the secrets stored before (and seals those created from then on).
 */
export class SecretBox {
  private readonly key?: Buffer;

  constructor(passphrase: string | undefined) {
    this.key = passphrase ? createHash('sha256').update(passphrase).digest() : undefined;
  }

  seal(secret: string): string {
    if (!this.key) return `plain:${secret}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${SEALED}${[iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64')).join(':')}`;
  }

  /** Throws when the value was sealed under another key (or none is set now). */
  open(stored: string): string {
    if (stored.startsWith('plain:')) return stored.slice('plain:'.length);
    if (!stored.startsWith(SEALED)) throw new Error('Unreadable stored webhook secret');
    if (!this.key) throw new Error('A webhook secret is sealed but WEBHOOK_SECRET_KEY is unset');
    const [iv, tag, sealed] = stored
      .slice(SEALED.length)
      .split(':')
      .map((part) => Buffer.from(part, 'base64'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
  }
}
