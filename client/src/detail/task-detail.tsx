import { useEffect, useRef } from 'preact/hooks';
import type { Task } from '../api/types';
import { ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { TaskActions } from '../components/task-actions';
import { useTask } from '../data/use-task';
import { formatValue, shortId, TASK_TYPE_LABELS } from '../lib/format';
import { navigateToTask } from '../lib/hash-route';
import { TaskResult } from '../results/task-result';
import { ItemActions } from './item-actions';
import { RetryLinks } from './retry-links';
import { TaskLog } from './task-log';
import { TaskTimeline } from './task-timeline';

function Parameters({ params }: { params: Record<string, unknown> }) {
  const entries = Object.entries(params);
  if (entries.length === 0) return <p class="muted">None (the defaults).</p>;
  return (
    <dl class="params">
      {entries.map(([name, value]) => (
        <div key={name} data-param={name}>
          <dt>{name}</dt>
          <dd>
            <pre class="value">{formatValue(value)}</pre>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function DetailBody({ task, onChanged }: { task: Task; onChanged: (task: Task) => void }) {
  const short = shortId(task.id);
  return (
    <div class="detail-body" data-detail-task={task.id} data-status={task.status}>
      <div class="detail-status">
        <StatusBadge status={task.status} />
        {task.status === 'RUNNING' && (
          <ProgressBar value={task.progress} label={`Progress of task ${short}`} />
        )}
        <TaskActions
          task={task}
          onChanged={onChanged}
          onRetried={(retry) => navigateToTask(retry.id)}
        />
        <ItemActions task={task} onRetried={(retry) => navigateToTask(retry.id)} />
      </div>
      <RetryLinks task={task} />
      <dl class="summary">
        <div>
          <dt>ID</dt>
          <dd>
            <code class="breakable">{task.id}</code>
          </dd>
        </div>
        <div>
          <dt>Progress</dt>
          <dd>{Math.floor(task.progress)}%</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{task.attempts}</dd>
        </div>
        <div>
          <dt>Priority</dt>
          <dd data-task-priority>{task.priority}</dd>
        </div>
      </dl>
      <section aria-labelledby="timeline-heading">
        <h3 id="timeline-heading">Timeline</h3>
        <TaskTimeline task={task} />
      </section>
      <section aria-labelledby="params-heading">
        <h3 id="params-heading">Parameters</h3>
        <Parameters params={task.input_params} />
      </section>
      {task.error_message && (
        <section aria-labelledby="error-heading" class="task-error">
          <h3 id="error-heading">Error</h3>
          <pre class="value" data-task-error>
            {task.error_message}
          </pre>
        </section>
      )}
      <TaskResult task={task} />
      <section aria-labelledby="log-heading">
        <h3 id="log-heading">Log</h3>
        <TaskLog id={task.id} />
      </section>
    </div>
  );
}

/** The detail view of one task, as a modal dialog over the console; its URL is #/tasks/<id>. */
export function TaskDetailDialog({
  id,
  onChanged,
}: {
  id: string;
  onChanged: (task: Task) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { task, error, notFound, replace } = useTask(id);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const title = task
    ? `${TASK_TYPE_LABELS[task.task_type]} · ${shortId(task.id)}`
    : `Task ${shortId(id)}`;
  return (
    <dialog
      ref={dialog}
      class="detail"
      aria-labelledby="detail-heading"
      onClose={() => navigateToTask(null)}
    >
      <header class="detail-header">
        <h2 id="detail-heading">{title}</h2>
        <button type="button" class="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </header>
      {notFound && <p class="field-error">There is no task with the id {id}.</p>}
      {error && !notFound && (
        <p class="field-error" role="alert">
          Could not load the task: {error}
        </p>
      )}
      {!task && !error && <p class="muted">Loading…</p>}
      {task && (
        <DetailBody
          task={task}
          onChanged={(changed) => {
            replace(changed);
            onChanged(changed);
          }}
        />
      )}
    </dialog>
  );
}
