import { useEffect, useState } from 'preact/hooks';
import { canRetry, type Task } from '../api/types';
import { findRetries } from '../data/find-retries';
import { taskHref } from '../lib/hash-route';
import { shortId } from '../lib/format';

/** "Retry of …" for a retry, and "Retried as …" for a task that was retried. */
export function RetryLinks({ task }: { task: Task }) {
  const [retries, setRetries] = useState<Task[]>([]);
  const [complete, setComplete] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const retryable = canRetry(task.status);

  useEffect(() => {
    setRetries([]);
    setError(null);
    if (!retryable) return;
    let current = true;
    findRetries(task)
      .then((found) => {
        if (!current) return;
        setRetries(found.retries);
        setComplete(found.complete);
      })
      .catch((failure: unknown) => {
        if (current) setError(failure instanceof Error ? failure.message : String(failure));
      });
    return () => {
      current = false;
    };
  }, [task.id, retryable]);

  if (!task.retry_of && retries.length === 0 && complete && !error) return null;
  return (
    <div class="retry-links">
      {task.retry_of && (
        <p data-retry-of={task.retry_of}>
          Retry of{' '}
          <a
            href={taskHref(task.retry_of)}
            aria-label={`Open original task ${shortId(task.retry_of)}`}
          >
            <code>{shortId(task.retry_of)}</code>
          </a>
        </p>
      )}
      {retries.length > 0 && (
        <p data-retried-as>
          Retried as{' '}
          {retries.map((retry, index) => (
            <span key={retry.id}>
              {index > 0 && ', '}
              <a href={taskHref(retry.id)} aria-label={`Open retry ${shortId(retry.id)}`}>
                <code>{shortId(retry.id)}</code>
              </a>{' '}
              <span class="muted">({retry.status})</span>
            </span>
          ))}
        </p>
      )}
      {!complete && retries.length === 0 && (
        <p class="muted">No retry among the newest tasks of this type.</p>
      )}
      {error && <p class="field-error">Could not look for retries: {error}</p>}
    </div>
  );
}
