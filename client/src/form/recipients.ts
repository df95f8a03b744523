export type RecipientInput = string | { email: string; name: string };

const NAMED = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+)>\s*$/;

/**
 * Recipients as typed, one per line or separated by commas: a bare address, or
 * `Name <address>`. The API checks the addresses; this only splits them.
 */
export function parseRecipients(text: string): RecipientInput[] {
  return text
    .split(/[\n,;]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const named = NAMED.exec(entry);
      if (!named) return entry;
      const name = named[1].trim();
      return name === '' ? named[2] : { email: named[2], name };
    });
}
