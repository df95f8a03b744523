import { totalOfSearch } from './search-total';

describe('the total of a text search, read off its page', () => {
  it('is exact on the last page reached by offset', () => {
    expect(totalOfSearch(3, false, 0)).toStrictEqual({ count: 3, lowerBound: false });
    expect(totalOfSearch(0, false, 0)).toStrictEqual({ count: 0, lowerBound: false });
    expect(totalOfSearch(7, false, 50)).toStrictEqual({ count: 57, lowerBound: false });
  });

  it('is a lower bound while another page follows: the rows so far and one more', () => {
    expect(totalOfSearch(50, true, 0)).toStrictEqual({ count: 51, lowerBound: true });
    expect(totalOfSearch(50, true, 100)).toStrictEqual({ count: 151, lowerBound: true });
  });

  it('is a lower bound after a cursor, which hides the rows before it', () => {
    expect(totalOfSearch(50, true, undefined)).toStrictEqual({ count: 51, lowerBound: true });
    expect(totalOfSearch(4, false, undefined)).toStrictEqual({ count: 4, lowerBound: true });
  });

  it('is a lower bound of 0 past the end: how many came before is not known', () => {
    expect(totalOfSearch(0, false, 200)).toStrictEqual({ count: 0, lowerBound: true });
  });
});
