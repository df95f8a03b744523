import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const key = 'k'.repeat(40);

  it('seals with a key: the stored value does not hold the secret, and opens again', () => {
    const box = new SecretBox(key);
    const stored = box.seal('whsec_abc');
    expect(stored).not.toContain('whsec_abc');
    expect(box.open(stored)).toBe('whsec_abc');
    // A fresh IV each time.
    expect(box.seal('whsec_abc')).not.toBe(stored);
  });

  it('refuses a value sealed under another key', () => {
    const stored = new SecretBox(key).seal('whsec_abc');
    expect(() => new SecretBox('x'.repeat(40)).open(stored)).toThrow();
    expect(() => new SecretBox(undefined).open(stored)).toThrow(/WEBHOOK_SECRET_KEY/);
  });

  it('stores as given without a key, and still reads those once a key is set', () => {
    const stored = new SecretBox(undefined).seal('whsec_abc');
    expect(stored).toBe('plain:whsec_abc');
    expect(new SecretBox(key).open(stored)).toBe('whsec_abc');
  });
});
