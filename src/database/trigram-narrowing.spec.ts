import {
  COMMON_TRIGRAM_SHARE,
  narrowedPart,
  RARE_TRIGRAM_SHARE,
  trigramShares,
  trigramsOf,
} from './trigram-narrowing';

describe('trigramsOf', () => {
  it('takes the trigrams inside each ASCII word, lower-cased, once each', () => {
    expect(trigramsOf('Batch-600007 batch')).toEqual(
      new Set(['bat', 'atc', 'tch', '600', '000', '007']),
    );
  });

  it('splits at anything that is not an ASCII letter or digit, accents included', () => {
    expect([...trigramsOf('café_au-lait')].sort()).toEqual(['ait', 'caf', 'lai']);
    expect(trigramsOf('ab, é, 12').size).toBe(0);
  });
});

describe('trigramShares', () => {
  it('counts a trigram once per text and keeps those at or above the share asked for', () => {
    const shares = trigramShares(['aaaa', 'aaa bbb', 'ccc', 'ddd'], 0.5);
    expect([...shares]).toEqual([['aaa', 0.5]]);
  });
});

describe('narrowedPart', () => {
  // `batch-` in every row, the digits rare: the bench's listing at 1,000,000 rows.
  const shares = new Map([
    ['bat', 1],
    ['atc', 1],
    ['tch', 1],
    ['not', 1],
    ['ote', 1],
    ['quo', 0.05],
    ['uot', 0.05],
    ['ota', 0.05],
  ]);

  it('asks for the longest run of rare trigrams when the text holds a common one', () => {
    expect(narrowedPart('batch-600007"', shares)).toBe('600007');
    expect(narrowedPart('BATCH-60 batch-600007', shares)).toBe('600007');
  });

  it('keeps the part as the text spells it, letter case included', () => {
    expect(narrowedPart('Batch-Ab12XY', shares)).toBe('Ab12XY');
  });

  it('can narrow within one word, past its common trigrams', () => {
    expect(narrowedPart('batchxyzw', shares)).toBe('chxyzw');
  });

  it('asks for the whole text when none of its trigrams is common', () => {
    expect(narrowedPart('quota exceeded', shares)).toBeNull();
    expect(narrowedPart('600007', shares)).toBeNull();
    expect(narrowedPart('ab', shares)).toBeNull();
  });

  it('keeps trigrams that are not common beside a rare one, for a narrower part', () => {
    const digits = new Map([...shares, ['000', 0.05]]);
    expect(narrowedPart('batch-600007', digits)).toBe('600007');
    expect(narrowedPart('batch-quota600', shares)).toBe('quota600');
  });

  it('asks for the whole text when no part without a common trigram holds a rare one', () => {
    expect(narrowedPart('batch-quota', shares)).toBeNull();
    expect(narrowedPart('batch-60', shares)).toBeNull();
  });

  it('draws the lines where the thresholds say', () => {
    const at = (share: number) =>
      new Map([
        ['aaa', 1],
        ['bbb', share],
      ]);
    expect(narrowedPart('aaa-bbb', at(RARE_TRIGRAM_SHARE))).toBeNull();
    expect(narrowedPart('aaa-bbb', at(RARE_TRIGRAM_SHARE / 2))).toBe('bbb');
    const common = (share: number) => new Map([['aaa', share]]);
    expect(narrowedPart('aaa-bbb', common(COMMON_TRIGRAM_SHARE))).toBe('bbb');
    expect(narrowedPart('aaa-bbb', common(COMMON_TRIGRAM_SHARE / 2))).toBeNull();
  });

  it('gives a part that every text holding the whole also holds', () => {
    for (const q of ['batch-600007"', 'x Batch_ABC123 y', 'batchxyzw', 'é batch-42q ü']) {
      const part = narrowedPart(q, shares);
      if (part !== null) expect(q.includes(part)).toBe(true);
    }
  });
});
