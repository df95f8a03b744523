import type { RecipientInput } from './email.params';
import { Recipient, seedRecipients } from './message';

export interface RecipientList {
  recipients: Recipient[];
  /** Items dropped because an earlier one had the same address (in any letter case). */
  duplicatesRemoved: number;
}

/**
 * Turns submitted recipients into Recipients: an address alone, or an object whose `name` is
 * the display name and whose other fields fill placeholders. The first occurrence of an
 * address wins; later ones, compared case-insensitively, are dropped and counted.
 */
export function toRecipients(items: readonly RecipientInput[]): RecipientList {
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  for (const item of items) {
    const recipient = typeof item === 'string' ? { email: item } : fromObject(item);
    const key = recipient.email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    recipients.push(recipient);
  }
  return { recipients, duplicatesRemoved: items.length - recipients.length };
}

function fromObject({ email, name, ...rest }: Exclude<RecipientInput, string>): Recipient {
  const fields = Object.fromEntries(
    Object.entries(rest).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  return {
    email,
    ...(name === undefined ? {} : { name }),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}

/** The recipients a task's params ask for: the submitted ones, or the seed's generated ones. */
export function recipientsOf(
  params:
    { recipients: readonly RecipientInput[] } | { recipients?: undefined; num_emails: number },
): RecipientList {
  if (params.recipients !== undefined) return toRecipients(params.recipients);
  return { recipients: seedRecipients(params.num_emails), duplicatesRemoved: 0 };
}
