/**
 * PostgreSQL's trigram (GIN) index answers `ILIKE '%text%'` by reading the posting list of every
 * trigram of the text, and a trigram found in most rows has a posting list the size of the table:
 * at 1,000,000 rows, each with `batch-` in it, `batch-600007` cost 15–20 ms and `600007` alone
 * under a millisecond. Where the text holds such a trigram, the index is asked for a part of it
 * made of rare trigrams only, and every row it gives is checked against the whole text. How
 * common each trigram is comes from a sample of the table (TrigramSample).
 */

/** A trigram in at least this share of rows makes the whole text costly to look up. */
export const COMMON_TRIGRAM_SHARE = 0.2;

/**
 * A part of the text is narrow enough when one of its trigrams is in fewer rows than this: the
 * rows the index then gives, each checked against the whole text, stay few.
 */
export const RARE_TRIGRAM_SHARE = 0.01;

/** How many rows have each trigram, as a share of the rows sampled; absent means rare. */
export type TrigramShares = ReadonlyMap<string, number>;

/**
 * The trigrams inside each run of ASCII letters and digits, lower-cased. pg_trgm splits words
 * at other characters too; only ASCII runs are used here so that a part of the text lower-cases
 * the same in the database, letter by letter, whatever its collation.
 */
export function trigramsOf(text: string): Set<string> {
  const trigrams = new Set<string>();
  for (const word of asciiWords(text)) {
    const lower = word.text.toLowerCase();
    for (let i = 0; i + 3 <= lower.length; i++) trigrams.add(lower.slice(i, i + 3));
  }
  return trigrams;
}

/**
 * Of the trigrams found in `texts`, those in at least `minShare` of them, with their share.
 * A trigram counts once per text, as a row counts once in a posting list.
 */
export function trigramShares(texts: readonly string[], minShare: number): Map<string, number> {
  const rows = new Map<string, number>();
  for (const text of texts) {
    for (const trigram of trigramsOf(text)) rows.set(trigram, (rows.get(trigram) ?? 0) + 1);
  }
  const shares = new Map<string, number>();
  for (const [trigram, count] of rows) {
    const share = count / texts.length;
    if (share >= minShare) shares.set(trigram, share);
  }
  return shares;
}

/**
 * The part of `q` to ask the trigram index for instead of all of it, or null to ask for all of
 * it: when none of its trigrams is common (the whole is then cheap and the most selective), or
 * when every part without a common trigram lacks a rare one (its rows, each checked, would cost
 * more than the common trigrams' posting lists). The part is the longest run of consecutive
 * trigrams that are not common, holding a rare one, within one ASCII word of `q`, as `q` spells
 * it: any row holding `q` holds it too.
 */
export function narrowedPart(q: string, shares: TrigramShares): string | null {
  const share = (trigram: string) => shares.get(trigram) ?? 0;
  if (![...trigramsOf(q)].some((trigram) => share(trigram) >= COMMON_TRIGRAM_SHARE)) return null;
  let best: { start: number; trigrams: number } | null = null;
  for (const word of asciiWords(q)) {
    const lower = word.text.toLowerCase();
    let runStart = 0;
    let rareInRun = false;
    for (let i = 0; i + 3 <= lower.length; i++) {
      const trigramShare = share(lower.slice(i, i + 3));
      if (trigramShare >= COMMON_TRIGRAM_SHARE) {
        runStart = i + 1;
        rareInRun = false;
        continue;
      }
      rareInRun ||= trigramShare < RARE_TRIGRAM_SHARE;
      const trigrams = i - runStart + 1;
      if (rareInRun && (!best || trigrams > best.trigrams)) {
        best = { start: word.start + runStart, trigrams };
      }
    }
  }
  return best ? q.slice(best.start, best.start + best.trigrams + 2) : null;
}

function* asciiWords(text: string): Generator<{ text: string; start: number }> {
  for (const match of text.matchAll(/[A-Za-z0-9]+/g)) {
    yield { text: match[0], start: match.index };
  }
}
