import { ValidationProblem } from '../../core/validation-problem';

/** Who may be named as sender and who may receive: the open mail relay's limits. */
export interface MailPolicy {
  /** Lower-case addresses a task's `from` may be: MAIL_FROM's and MAIL_FROM_ALLOWED's. */
  allowedFrom: readonly string[];
  /** Lower-case domains recipients must be at (MAIL_RECIPIENT_DOMAINS); null for any. */
  recipientDomains: readonly string[] | null;
}

/** How many refused recipients a problem names before it only counts the rest. */
const LISTED_REFUSALS = 20;

/** The address in `Name <address>`, or the value itself. */
export function addressOf(mailbox: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(mailbox);
  return (angle ? angle[1] : mailbox).trim();
}

/** The policy the settings describe: MAIL_FROM always allowed, plus MAIL_FROM_ALLOWED. */
export function mailPolicyOf(settings: {
  mailFrom: string;
  mailFromAllowed: readonly string[];
  recipientDomains: readonly string[];
}): MailPolicy {
  return {
    allowedFrom: [settings.mailFrom, ...settings.mailFromAllowed].map((from) =>
      addressOf(from).toLowerCase(),
    ),
    recipientDomains:
      settings.recipientDomains.length === 0
        ? null
        : settings.recipientDomains.map((domain) => domain.toLowerCase()),
  };
}

const domainOf = (address: string): string =>
  address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * A `from` that is not an allowed sender, and recipients outside the allowed domains (listed,
 * the first 20 of them); `addresses` are the task's recipient addresses as they will be sent to.
 */
export function mailPolicyProblems(
  from: string | undefined,
  addresses: readonly string[],
  policy: MailPolicy,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (typeof from === 'string' && !policy.allowedFrom.includes(from.trim().toLowerCase())) {
    problems.push({
      loc: ['from'],
      msg:
        `from must be MAIL_FROM or one of MAIL_FROM_ALLOWED (${policy.allowedFrom.join(', ')}); ` +
        'leave it out to send from MAIL_FROM',
      type: 'value_error.sender_not_allowed',
    });
  }
  const domains = policy.recipientDomains;
  if (domains !== null) {
    const refused = addresses.filter((address) => !domains.includes(domainOf(address)));
    if (refused.length > 0) {
      const listed = refused.slice(0, LISTED_REFUSALS).join(', ');
      const more = refused.length - LISTED_REFUSALS;
      problems.push({
        loc: ['recipients'],
        msg:
          `${refused.length} recipient(s) outside MAIL_RECIPIENT_DOMAINS (${domains.join(', ')}): ` +
          listed +
          (more > 0 ? ` and ${more} more` : ''),
        type: 'value_error.recipient_domain_not_allowed',
      });
    }
  }
  return problems;
}
