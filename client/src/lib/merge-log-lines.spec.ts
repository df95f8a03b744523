import type { TaskLogLine } from '../api/types';
import { MAX_SHOWN_LOG_LINES, mergeLogLines } from './merge-log-lines';

const line = (seq: number): TaskLogLine => ({
  seq,
  at: '2026-01-01T00:00:00.000Z',
  level: 'info',
  message: `line ${seq}`,
});

describe('mergeLogLines', () => {
  it('appends newer lines in order, each once', () => {
    const { lines, gap } = mergeLogLines([line(1), line(2)], [line(4), line(2), line(3)]);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(gap).toBe(false);
  });

  it('says when lines are missing between what it holds and what came', () => {
    expect(mergeLogLines([line(1)], [line(5)]).gap).toBe(true);
  });

  it('adds older lines read after newer ones came', () => {
    const { lines, gap } = mergeLogLines([line(3)], [line(1), line(2)]);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(gap).toBe(false);
  });

  it('takes the first lines it sees as they are', () => {
    expect(mergeLogLines([], [line(7), line(8)])).toEqual({
      lines: [line(7), line(8)],
      gap: false,
    });
  });

  it('keeps the newest MAX_SHOWN_LOG_LINES', () => {
    const many = Array.from({ length: MAX_SHOWN_LOG_LINES + 5 }, (_, i) => line(i + 1));
    const { lines } = mergeLogLines([], many);
    expect(lines).toHaveLength(MAX_SHOWN_LOG_LINES);
    expect(lines[0].seq).toBe(6);
  });
});
