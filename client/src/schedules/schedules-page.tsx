import { useState } from 'preact/hooks';
import { api } from '../api/api-client';
import { TASK_TYPES, type Schedule, type TaskType } from '../api/types';
import { useCan } from '../auth/session-context';
import { useNotices } from '../components/notices';
import { useLiveResource } from '../data/use-live-resource';
import { formatTime, TASK_TYPE_LABELS } from '../lib/format';
import { taskHref } from '../lib/hash-route';
import { draftOf, EMPTY_DRAFT, inputOf, type ScheduleDraft } from './schedule-form';

/** Schedules change without a task event (another operator, a tick): re-read this often too. */
const POLL_INTERVAL_MS = 10_000;
/** Fire times shown per schedule. */
const SHOWN_RUNS = 3;

const loadSchedules = async (): Promise<Schedule[]> => (await api.schedules()).schedules;

/**
 * The project's cron schedules with their next runs. Operators create, edit, enable, disable
 * and delete them; viewers see the list.
 */
export function SchedulesPage() {
  const { value: schedules, error, setValue } = useLiveResource(loadSchedules, POLL_INTERVAL_MS);
  const canOperate = useCan('operator');
  const notices = useNotices();
  /** The schedule being edited, `new` for a new one, null when the form is closed. */
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const show = (schedule: Schedule): void =>
    setValue((current) => {
      const list = current ?? [];
      return list.some((shown) => shown.id === schedule.id)
        ? list.map((shown) => (shown.id === schedule.id ? schedule : shown))
        : [schedule, ...list];
    });

  const act = async (schedule: Schedule, what: 'toggle' | 'delete'): Promise<void> => {
    if (what === 'delete' && !window.confirm(`Delete the schedule "${schedule.name}"?`)) return;
    setBusy(schedule.id);
    try {
      if (what === 'toggle') {
        show(await api.updateSchedule(schedule.id, { enabled: !schedule.enabled }));
      } else {
        await api.deleteSchedule(schedule.id);
        setValue((current) => current?.filter((shown) => shown.id !== schedule.id) ?? null);
      }
    } catch (failure) {
      notices.reportError(`Could not change the schedule "${schedule.name}"`, failure);
    } finally {
      setBusy(null);
    }
  };

  const editedSchedule = schedules?.find((schedule) => schedule.id === editing);

  return (
    <section class="panel schedules-panel" aria-labelledby="schedules-heading">
      <div class="panel-head">
        <h2 id="schedules-heading">Schedules</h2>
        {canOperate && editing === null && (
          <button type="button" class="button primary" onClick={() => setEditing('new')}>
            New schedule
          </button>
        )}
      </div>
      {!canOperate && (
        <p class="muted" data-role-note="viewer">
          This key has the viewer role: it can see the schedules but not change them.
        </p>
      )}
      {canOperate && editing !== null && (
        <ScheduleEditor
          key={editing}
          initial={editedSchedule ? draftOf(editedSchedule) : EMPTY_DRAFT}
          existing={editedSchedule ?? null}
          onSaved={(schedule) => {
            show(schedule);
            setEditing(null);
            notices.inform(`Schedule "${schedule.name}" saved.`);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {error && (
        <p class="field-error" role="alert">
          Could not load the schedules: {error}
        </p>
      )}
      {schedules && schedules.length === 0 && <p class="muted">No schedules yet.</p>}
      {schedules && schedules.length > 0 && (
        <table class="queues-table schedules-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Cron</th>
              <th scope="col">Task type</th>
              <th scope="col">State</th>
              <th scope="col">Next runs</th>
              <th scope="col">Last run</th>
              {canOperate && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {schedules.map((schedule) => (
              <tr key={schedule.id} data-schedule={schedule.id}>
                <th scope="row">{schedule.name}</th>
                <td>
                  <code>{schedule.cron}</code> <span class="muted">{schedule.timezone}</span>
                </td>
                <td>{TASK_TYPE_LABELS[schedule.task_type] ?? schedule.task_type}</td>
                <td>
                  <span
                    class={`queue-state ${schedule.enabled ? 'queue-running' : 'queue-paused'}`}
                    data-state={schedule.enabled ? 'enabled' : 'disabled'}
                  >
                    {schedule.enabled ? 'enabled' : 'disabled'}
                  </span>
                </td>
                <td data-next-runs>
                  {schedule.next_runs.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <ul class="next-runs">
                      {schedule.next_runs.slice(0, SHOWN_RUNS).map((run) => (
                        <li key={run}>
                          <time dateTime={run}>{formatTime(run)}</time>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {schedule.last_run_at ? (
                    <>
                      <time dateTime={schedule.last_run_at}>
                        {formatTime(schedule.last_run_at)}
                      </time>
                      {schedule.last_task_id && (
                        <>
                          {' '}
                          <a href={taskHref(schedule.last_task_id)}>task</a>
                        </>
                      )}
                      {schedule.last_error && (
                        <span class="field-error" title={schedule.last_error}>
                          {' '}
                          no task: {schedule.last_error}
                        </span>
                      )}
                    </>
                  ) : (
                    <span class="muted">never</span>
                  )}
                </td>
                {canOperate && (
                  <td class="schedule-actions">
                    <button
                      type="button"
                      class="button"
                      disabled={busy === schedule.id}
                      onClick={() => setEditing(schedule.id)}
                      aria-label={`Edit ${schedule.name}`}
                    >
                      Edit
                    </button>{' '}
                    <button
                      type="button"
                      class="button"
                      disabled={busy === schedule.id}
                      onClick={() => void act(schedule, 'toggle')}
                      aria-label={`${schedule.enabled ? 'Disable' : 'Enable'} ${schedule.name}`}
                    >
                      {schedule.enabled ? 'Disable' : 'Enable'}
                    </button>{' '}
                    <button
                      type="button"
                      class="button danger"
                      disabled={busy === schedule.id}
                      onClick={() => void act(schedule, 'delete')}
                      aria-label={`Delete ${schedule.name}`}
                    >
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The create and edit form; the API's 422 message is shown as it came. */
function ScheduleEditor({
  initial,
  existing,
  onSaved,
  onCancel,
}: {
  initial: ScheduleDraft;
  existing: Schedule | null;
  onSaved: (schedule: Schedule) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof ScheduleDraft>(key: K, value: ScheduleDraft[K]): void =>
    setDraft((current) => ({ ...current, [key]: value }));

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setProblem(null);
    setSaving(true);
    try {
      const input = inputOf(draft);
      onSaved(
        existing ? await api.updateSchedule(existing.id, input) : await api.createSchedule(input),
      );
    } catch (failure) {
      setProblem((failure as Error).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      class="schedule-form"
      aria-label={existing ? 'Edit schedule' : 'New schedule'}
      onSubmit={(event) => void save(event)}
    >
      <div class="field">
        <label for="schedule-name">Name</label>
        <input
          id="schedule-name"
          required
          maxLength={100}
          value={draft.name}
          onInput={(event) => set('name', event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="schedule-cron">Cron</label>
        <input
          id="schedule-cron"
          required
          value={draft.cron}
          aria-describedby="schedule-cron-hint"
          onInput={(event) => set('cron', event.currentTarget.value)}
        />
        <span class="hint muted" id="schedule-cron-hint">
          minute hour day-of-month month day-of-week, e.g. <code>*/15 * * * *</code>; no seconds
        </span>
      </div>
      <div class="field">
        <label for="schedule-timezone">Time zone</label>
        <input
          id="schedule-timezone"
          value={draft.timezone}
          placeholder="UTC"
          onInput={(event) => set('timezone', event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="schedule-task-type">Task type</label>
        <select
          id="schedule-task-type"
          value={draft.taskType}
          onChange={(event) => set('taskType', event.currentTarget.value as TaskType)}
        >
          {TASK_TYPES.map((type) => (
            <option key={type} value={type}>
              {TASK_TYPE_LABELS[type]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="schedule-params">Parameters (JSON)</label>
        <textarea
          id="schedule-params"
          rows={4}
          value={draft.params}
          onInput={(event) => set('params', event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="schedule-priority">Priority (0-10, optional)</label>
        <input
          id="schedule-priority"
          inputMode="numeric"
          value={draft.priority}
          onInput={(event) => set('priority', event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="schedule-timeout">Timeout in seconds (optional)</label>
        <input
          id="schedule-timeout"
          inputMode="numeric"
          value={draft.timeoutSeconds}
          onInput={(event) => set('timeoutSeconds', event.currentTarget.value)}
        />
      </div>
      <div class="field checkbox">
        <input
          id="schedule-enabled"
          type="checkbox"
          checked={draft.enabled}
          onChange={(event) => set('enabled', event.currentTarget.checked)}
        />
        <label for="schedule-enabled">Enabled</label>
      </div>
      {problem && (
        <p class="field-error" role="alert">
          {problem}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={saving}>
          {existing ? 'Save schedule' : 'Create schedule'}
        </button>{' '}
        <button type="button" class="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
