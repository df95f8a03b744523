import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { TaskLogLine } from '../api/types';
import { mergeLogLines } from '../lib/merge-log-lines';
import { useTaskEvents } from '../live/use-live-feed';

/**
 * A task's log lines: read once, then added to from its `logs` events; read on from the last
 * seq held when a batch leaves a gap or the page resyncs after the stream was down.
 */
export function useTaskLogs(id: string): { lines: TaskLogLine[]; error: string | null } {
  const [lines, setLines] = useState<TaskLogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const held = useRef<TaskLogLine[]>([]);
  const idRef = useRef(id);
  idRef.current = id;
  const reading = useRef(false);

  const add = (incoming: TaskLogLine[]): boolean => {
    const merged = mergeLogLines(held.current, incoming);
    held.current = merged.lines;
    setLines(merged.lines);
    return merged.gap;
  };

  const readOn = async (): Promise<void> => {
    if (reading.current) return;
    reading.current = true;
    const requested = idRef.current;
    try {
      const answer = await api.taskLogs(requested, held.current.at(-1)?.seq ?? 0);
      if (requested !== idRef.current) return;
      add(answer.lines);
      setError(null);
    } catch (caught) {
      if (requested === idRef.current) setError((caught as Error).message);
    } finally {
      reading.current = false;
    }
  };

  useEffect(() => {
    held.current = [];
    setLines([]);
    setError(null);
    void readOn();
    // readOn reads the id through a ref.
  }, [id]);

  useTaskEvents({
    onLogs: (event) => {
      if (event.task_id !== idRef.current) return;
      if (add(event.lines)) void readOn();
    },
    onResync: () => void readOn(),
  });

  return { lines, error };
}
