import type { TaskLogLine } from '../api/types';

/** The most lines the detail view holds, as many as the service keeps. */
export const MAX_SHOWN_LOG_LINES = 1000;

/**
 * `held` and `incoming` together in seq order, each seq once, the newest MAX_SHOWN_LOG_LINES
 * kept. `gap` says lines are missing between them (a batch cut short, or one missed while the
 * stream was down): the caller then reads on from the last seq it holds.
 */
export function mergeLogLines(
  held: TaskLogLine[],
  incoming: TaskLogLine[],
): { lines: TaskLogLine[]; gap: boolean } {
  if (incoming.length === 0) return { lines: held, gap: false };
  const last = held.at(-1)?.seq;
  const first = Math.min(...incoming.map((line) => line.seq));
  const gap = last !== undefined && first > last + 1;
  // A union, not an append: a first read may answer after the stream brought newer lines.
  const bySeq = new Map(held.map((line) => [line.seq, line]));
  for (const line of incoming) bySeq.set(line.seq, line);
  const lines = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return { lines: lines.slice(-MAX_SHOWN_LOG_LINES), gap };
}
