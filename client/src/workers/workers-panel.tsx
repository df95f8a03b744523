import type { TaskType, WorkerProcess } from '../api/types';
import { useWorkers } from '../data/use-workers';
import { durationBetween, formatDuration, shortId, TASK_TYPE_LABELS } from '../lib/format';
import { taskHref } from '../lib/hash-route';
import { useNow } from '../lib/use-now';

function Concurrency({ worker }: { worker: WorkerProcess }) {
  return (
    <ul class="plain-list">
      {worker.task_types.map((type: TaskType) => (
        <li key={type} data-task-type={type}>
          {TASK_TYPE_LABELS[type] ?? type} × {worker.concurrency[type] ?? '?'}
        </li>
      ))}
    </ul>
  );
}

function Running({ worker }: { worker: WorkerProcess }) {
  const hidden = worker.running_count - worker.running_task_ids.length;
  if (worker.running_count === 0) return <span class="muted">idle</span>;
  return (
    <span class="running-tasks">
      {worker.running_task_ids.map((id) => (
        <a key={id} href={taskHref(id)} class="task-link" data-running-task={id} title={id}>
          {shortId(id)}
        </a>
      ))}
      {hidden > 0 && <span class="muted"> {hidden} of other projects</span>}
    </span>
  );
}

/** The live worker processes: what each runs, how many at once, and since when it beats. */
export function WorkersPanel() {
  const { workers, error } = useWorkers();
  const now = useNow(true);
  return (
    <section class="panel workers-panel" aria-labelledby="workers-heading">
      <div class="panel-head">
        <h2 id="workers-heading">Workers</h2>
        {workers && <span class="muted">{workers.length} live</span>}
      </div>
      {error && (
        <p class="field-error" role="alert">
          Could not load the workers: {error}. Trying again…
        </p>
      )}
      {workers && workers.length === 0 && (
        <p class="muted">
          No worker process is running: tasks wait in the queue until one starts (APP_ROLE=worker or
          all).
        </p>
      )}
      {workers && workers.length > 0 && (
        <table class="workers-table">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">PID</th>
              <th scope="col">Task types × concurrency</th>
              <th scope="col">Running</th>
              <th scope="col">Up</th>
              <th scope="col">Last heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {workers.map((worker) => (
              <tr key={worker.id} data-worker-id={worker.id} data-pid={worker.pid}>
                <td class="breakable">{worker.host}</td>
                <td>{worker.pid}</td>
                <td>
                  <Concurrency worker={worker} />
                </td>
                <td>
                  <Running worker={worker} />
                </td>
                <td>{formatDuration(durationBetween(worker.started_at, now))}</td>
                <td>{formatDuration(durationBetween(worker.last_heartbeat, now))} ago</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
