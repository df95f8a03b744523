import { resolveEmailParams } from './email.params';
import { recipientsOf, toRecipients } from './recipients';

describe('toRecipients', () => {
  it('takes addresses and objects, keeping the name apart from the placeholder fields', () => {
    expect(
      toRecipients([
        'ann@example.com',
        { email: 'bob@example.com', name: 'Bob', plan: 'pro', city: 'Oslo' },
        { email: 'cy@example.com' },
      ]),
    ).toEqual({
      recipients: [
        { email: 'ann@example.com' },
        { email: 'bob@example.com', name: 'Bob', fields: { plan: 'pro', city: 'Oslo' } },
        { email: 'cy@example.com' },
      ],
      duplicatesRemoved: 0,
    });
  });

  it('drops later repeats of an address in any letter case, keeping the first as given', () => {
    expect(
      toRecipients([
        { email: 'Ann@Example.com', name: 'First' },
        'bob@example.com',
        'ann@example.com',
        { email: 'ANN@EXAMPLE.COM', name: 'Third' },
        'BOB@example.com',
      ]),
    ).toEqual({
      recipients: [{ email: 'Ann@Example.com', name: 'First' }, { email: 'bob@example.com' }],
      duplicatesRemoved: 3,
    });
  });
});

describe('recipientsOf', () => {
  it('uses the submitted recipients when there are some', () => {
    expect(recipientsOf({ recipients: ['a@example.com', 'A@example.com'] })).toEqual({
      recipients: [{ email: 'a@example.com' }],
      duplicatesRemoved: 1,
    });
  });

  it("generates the seed's user1…userN@example.com from num_emails, 10 by default", () => {
    expect(recipientsOf({ num_emails: 2 }).recipients).toEqual([
      { email: 'user1@example.com' },
      { email: 'user2@example.com' },
    ]);
    expect(recipientsOf(resolveEmailParams({})).recipients).toHaveLength(10);
  });
});
