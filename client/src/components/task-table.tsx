import type { Task } from '../api/types';
import { taskHref } from '../lib/hash-route';
import { shortId, TASK_TYPE_LABELS } from '../lib/format';
import { ProgressBar } from './progress-bar';
import { StatusBadge } from './status-badge';
import { TaskActions } from './task-actions';
import { TaskDuration, TimeOf } from './task-time';

/** Row checkboxes, for the bulk actions; left out for a key that cannot act. */
export interface Selection {
  ids: ReadonlySet<string>;
  toggle(id: string): void;
  /** Selects every row shown, or none when all are selected already. */
  toggleAll(ids: string[]): void;
}

function TaskRow({
  task,
  onChanged,
  onRetried,
  selection,
}: {
  task: Task;
  onChanged: (task: Task) => void;
  onRetried: (task: Task) => void;
  selection?: Selection;
}) {
  const short = shortId(task.id);
  return (
    <tr data-task-id={task.id} data-status={task.status} data-task-type={task.task_type}>
      {selection && (
        <td data-label="Select" class="cell-select">
          <input
            type="checkbox"
            aria-label={`Select task ${short}`}
            checked={selection.ids.has(task.id)}
            onChange={() => selection.toggle(task.id)}
          />
        </td>
      )}
      <td data-label="Type" class="cell-type">
        {TASK_TYPE_LABELS[task.task_type]}
      </td>
      <td data-label="ID">
        <a href={taskHref(task.id)} class="task-link" aria-label={`Open task ${short}`}>
          <code>{short}</code>
        </a>
        {task.retry_of && (
          <span class="muted retry-mark" title={`Retry of ${task.retry_of}`}>
            {' '}
            ↻
          </span>
        )}
      </td>
      <td data-label="Status" class="cell-status">
        <StatusBadge status={task.status} />
        {task.status === 'RUNNING' && (
          <ProgressBar value={task.progress} label={`Progress of task ${short}`} />
        )}
      </td>
      <td data-label="Priority" class="cell-priority" data-priority={task.priority}>
        {task.priority}
      </td>
      <td data-label="Created">
        <TimeOf iso={task.created_at} />
      </td>
      <td data-label="Started">
        <TimeOf iso={task.started_at} />
      </td>
      <td data-label="Completed">
        <TimeOf iso={task.completed_at} />
      </td>
      <td data-label="Duration">
        <TaskDuration task={task} />
      </td>
      <td data-label="Actions" class="cell-actions">
        <TaskActions task={task} onChanged={onChanged} onRetried={onRetried} />
      </td>
    </tr>
  );
}

export function TaskTable({
  tasks,
  loaded,
  busy,
  onChanged,
  onRetried,
  selection,
}: {
  tasks: Task[];
  loaded: boolean;
  /** A new page or filter is on its way. */
  busy: boolean;
  onChanged: (task: Task) => void;
  onRetried: (task: Task) => void;
  selection?: Selection;
}) {
  if (loaded && !busy && tasks.length === 0) {
    return <p class="empty">No tasks match. Submit one, or clear the filters.</p>;
  }
  return (
    <div class="table-wrap">
      <table class={`task-table${busy ? ' busy' : ''}`} aria-busy={busy}>
        <caption class="visually-hidden">Tasks, newest first</caption>
        <thead>
          <tr>
            {selection && (
              <th scope="col" class="cell-select">
                <input
                  type="checkbox"
                  aria-label="Select all tasks shown"
                  checked={tasks.length > 0 && tasks.every((task) => selection.ids.has(task.id))}
                  onChange={() => selection.toggleAll(tasks.map((task) => task.id))}
                />
              </th>
            )}
            <th scope="col">Type</th>
            <th scope="col">ID</th>
            <th scope="col">Status</th>
            <th scope="col" title="0–10; larger starts sooner">
              Priority
            </th>
            <th scope="col">Created</th>
            <th scope="col">Started</th>
            <th scope="col">Completed</th>
            <th scope="col">Duration</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => (
            <TaskRow
              key={task.id}
              task={task}
              onChanged={onChanged}
              onRetried={onRetried}
              selection={selection}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
