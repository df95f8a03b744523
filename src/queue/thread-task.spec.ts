import { MessageChannel, MessagePort } from 'node:worker_threads';
import { TaskFailure } from './task-errors';
import { ThreadMessage, threadTask } from './thread-task';

const messagesOf = (port: MessagePort): ThreadMessage[] => {
  const received: ThreadMessage[] = [];
  port.on('message', (message: ThreadMessage) => received.push(message));
  return received;
};

describe('threadTask', () => {
  it('posts progress once per whole percent and answers the value', async () => {
    const { port1, port2 } = new MessageChannel();
    const received = messagesOf(port1);
    const run = threadTask<number>(async (input, { onProgress }) => {
      for (const percent of [0.2, 0.7, 1.1, 50, 50.5, 100]) onProgress(percent);
      return { doubled: input * 2 };
    });
    expect(await run({ input: 21, port: port2 })).toEqual({ ok: true, value: { doubled: 42 } });
    // Messages cross the channel asynchronously: wait for them, with a deadline.
    const deadline = Date.now() + 5000;
    while (received.length < 4 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(received).toEqual([
      { progress: 0.2 },
      { progress: 1.1 },
      { progress: 50 },
      { progress: 100 },
    ]);
    port1.close();
  });

  it('aborts the work on the abort message', async () => {
    const { port1, port2 } = new MessageChannel();
    const run = threadTask<null>(
      (_, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
    );
    const running = run({ input: null, port: port2 });
    port1.postMessage({ abort: true } satisfies ThreadMessage);
    await expect(running).rejects.toThrow('The run was stopped');
    port1.close();
  });

  it('answers a TaskFailure as a value, whose class would not cross the thread', async () => {
    const { port1, port2 } = new MessageChannel();
    const run = threadTask<null>(() =>
      Promise.reject(new TaskFailure('bad data', { total_rows: 3 })),
    );
    expect(await run({ input: null, port: port2 })).toEqual({
      ok: false,
      message: 'bad data',
      partialResult: { total_rows: 3 },
    });
    await expect(
      threadTask<null>(() => Promise.reject(new Error('a bug')))({
        input: null,
        port: new MessageChannel().port2,
      }),
    ).rejects.toThrow('a bug');
    port1.close();
  });
});
