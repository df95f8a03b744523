import { parseRecipients } from './recipients';

describe('parseRecipients', () => {
  it('splits on lines, commas and semicolons, and drops blanks', () => {
    expect(
      parseRecipients('a@example.com\n\n b@example.com, c@example.com;d@example.com '),
    ).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
  });

  it('reads "Name <address>" as a named recipient', () => {
    expect(parseRecipients('Grace Hopper <grace@example.com>\n"Ada" <ada@example.com>')).toEqual([
      { email: 'grace@example.com', name: 'Grace Hopper' },
      { email: 'ada@example.com', name: 'Ada' },
    ]);
  });

  it('leaves an address in angle brackets without a name bare', () => {
    expect(parseRecipients('<x@example.com>')).toEqual(['x@example.com']);
  });
});
