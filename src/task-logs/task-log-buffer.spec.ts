import { MAX_LOG_MESSAGE_CHARS, TASK_LOG_KEEP, TaskLogBuffer, trimCutoff } from './task-log-buffer';

const at = new Date('2026-01-01T00:00:00.000Z');

describe('TaskLogBuffer', () => {
  it('numbers lines on from the last seq written and empties on take', () => {
    const buffer = new TaskLogBuffer(41);
    buffer.push('info', 'one', at);
    buffer.push('warn', 'two', at);
    expect(buffer.take()).toEqual([
      { seq: 42, at: at.toISOString(), level: 'info', message: 'one' },
      { seq: 43, at: at.toISOString(), level: 'warn', message: 'two' },
    ]);
    expect(buffer.size).toBe(0);
    buffer.push('info', 'three', at);
    expect(buffer.take().map((line) => line.seq)).toEqual([44]);
  });

  it('hands over at most the newest TASK_LOG_KEEP, keeping their numbers', () => {
    const buffer = new TaskLogBuffer(0);
    const total = 3 * TASK_LOG_KEEP + 5;
    for (let i = 1; i <= total; i++) buffer.push('info', `line ${i}`, at);
    const lines = buffer.take();
    expect(lines).toHaveLength(TASK_LOG_KEEP);
    expect(lines[0].seq).toBe(total - TASK_LOG_KEEP + 1);
    expect(lines.at(-1)).toMatchObject({ seq: total, message: `line ${total}` });
  });

  it('cuts a long message', () => {
    const buffer = new TaskLogBuffer(0);
    buffer.push('error', 'x'.repeat(MAX_LOG_MESSAGE_CHARS * 2), at);
    expect(buffer.take()[0].message).toHaveLength(MAX_LOG_MESSAGE_CHARS);
  });
});

describe('trimCutoff', () => {
  it('keeps the newest TASK_LOG_KEEP', () => {
    expect(trimCutoff(10)).toBe(0);
    expect(trimCutoff(TASK_LOG_KEEP)).toBe(0);
    expect(trimCutoff(TASK_LOG_KEEP + 7)).toBe(7);
  });
});
