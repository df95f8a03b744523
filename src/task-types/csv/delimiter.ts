const CANDIDATES = [',', ';', '\t', '|'];

/** Occurrences of `delimiter` in `line` outside double quotes. */
function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (char === delimiter && !quoted) count++;
  }
  return count;
}

/**
 * Picks the delimiter that splits the sample's lines most consistently (same non-zero count
 * on most lines); a comma when nothing stands out.
 */
export function detectDelimiter(sample: string): string {
  const lines = sample
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .slice(0, 50)
    .filter((line) => line.trim() !== '');
  // The last line of a sample may be cut short.
  if (lines.length > 2) lines.pop();
  let best = { delimiter: ',', score: 0 };
  for (const delimiter of CANDIDATES) {
    const counts = lines.map((line) => countOutsideQuotes(line, delimiter));
    const frequency = new Map<number, number>();
    for (const count of counts)
      if (count > 0) frequency.set(count, (frequency.get(count) ?? 0) + 1);
    const [mode, modeLines] = [...frequency.entries()].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
    const score = mode > 0 ? modeLines / lines.length + mode / 1000 : 0;
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}
