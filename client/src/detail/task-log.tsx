import { useEffect, useRef } from 'preact/hooks';
import { useTaskLogs } from '../data/use-task-logs';

/** The task's own log, live while it runs; the newest line kept in view. */
export function TaskLog({ id }: { id: string }) {
  const { lines, error } = useTaskLogs(id);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const element = list.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lines]);

  if (error) return <p class="field-error">Could not load the log: {error}</p>;
  if (lines.length === 0) return <p class="muted">No lines yet.</p>;
  return (
    <ol class="task-log" ref={list} data-task-log aria-live="polite">
      {lines.map((line) => (
        <li key={line.seq} data-seq={line.seq} data-level={line.level} class={`log-${line.level}`}>
          <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time>{' '}
          <span>{line.message}</span>
        </li>
      ))}
    </ol>
  );
}
