import { addressOf, mailPolicyOf, mailPolicyProblems } from './mail-policy';

describe('mail policy', () => {
  const policy = mailPolicyOf({
    mailFrom: 'Conveyor <Noreply@Example.com>',
    mailFromAllowed: ['news@example.com'],
    recipientDomains: ['Example.com', 'example.org'],
  });

  it('reads the address out of a mailbox with a display name', () => {
    expect(addressOf('Conveyor <noreply@example.com>')).toBe('noreply@example.com');
    expect(addressOf(' plain@example.com ')).toBe('plain@example.com');
    expect(policy).toEqual({
      allowedFrom: ['noreply@example.com', 'news@example.com'],
      recipientDomains: ['example.com', 'example.org'],
    });
  });

  it('lets a task send from MAIL_FROM or MAIL_FROM_ALLOWED, in any letter case, or leave from out', () => {
    expect(mailPolicyProblems('NOREPLY@example.com', [], policy)).toEqual([]);
    expect(mailPolicyProblems('news@example.com', [], policy)).toEqual([]);
    expect(mailPolicyProblems(undefined, [], policy)).toEqual([]);
  });

  it('refuses any other sender, naming the allowed ones', () => {
    expect(mailPolicyProblems('ceo@bank.test', [], policy)).toEqual([
      {
        loc: ['from'],
        msg:
          'from must be MAIL_FROM or one of MAIL_FROM_ALLOWED (noreply@example.com, news@example.com); ' +
          'leave it out to send from MAIL_FROM',
        type: 'value_error.sender_not_allowed',
      },
    ]);
  });

  it('lists the recipients outside MAIL_RECIPIENT_DOMAINS, the first 20 of them', () => {
    const outside = Array.from({ length: 25 }, (_, i) => `u${i}@elsewhere.test`);
    const [problem] = mailPolicyProblems(
      undefined,
      ['a@EXAMPLE.com', 'b@example.org', 'c@sub.example.com', ...outside],
      policy,
    );
    expect(problem.loc).toEqual(['recipients']);
    expect(problem.msg).toBe(
      `26 recipient(s) outside MAIL_RECIPIENT_DOMAINS (example.com, example.org): ` +
        `c@sub.example.com, ${outside.slice(0, 19).join(', ')} and 6 more`,
    );
  });

  it('lets any recipient through when MAIL_RECIPIENT_DOMAINS is empty', () => {
    const open = mailPolicyOf({ mailFrom: 'a@b.test', mailFromAllowed: [], recipientDomains: [] });
    expect(open.recipientDomains).toBeNull();
    expect(mailPolicyProblems(undefined, ['x@anywhere.test'], open)).toEqual([]);
  });
});
