import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error';
import { api } from '../api/api-client';
import {
  DEFAULT_PRIORITY,
  MAX_PRIORITY,
  MIN_PRIORITY,
  TASK_TYPES,
  type StartOptions,
  type Task,
  type TaskType,
  type TaskTypes,
} from '../api/types';
import { uploadFile } from '../api/upload-file';
import { taskHref } from '../lib/hash-route';
import { shortId, TASK_TYPE_LABELS } from '../lib/format';
import { buildParams } from './build-params';
import { useTaskTypes } from '../data/use-task-types';
import {
  defaultValues,
  formSpecOf,
  visibleFields,
  type FormValues,
  type SourceId,
} from './field-specs';
import { FileDrop, type UploadItem } from './file-drop';
import { FormField } from './form-field';
import { problemsByField } from './problem-fields';

type PerType<T> = Record<TaskType, T>;
const perType = <T,>(make: (type: TaskType) => T): PerType<T> =>
  Object.fromEntries(TASK_TYPES.map((type) => [type, make(type)])) as PerType<T>;

let nextUploadKey = 1;

/** The priority and delay fields as the API takes them; empty fields are left out. */
function startOptionsOf(priority: string, delay: string): StartOptions {
  const start: StartOptions = {};
  if (priority.trim() !== '') start.priority = Number(priority);
  if (delay.trim() !== '') start.delay_seconds = Number(delay);
  return start;
}

/** The submission form, once the API has said what each task type's defaults are. */
export function SubmitForm({ onSubmitted }: { onSubmitted: (task: Task) => void }) {
  const { taskTypes, error } = useTaskTypes();
  if (!taskTypes) {
    return (
      <section class="submit-form" aria-labelledby="submit-heading">
        <h2 id="submit-heading">New task</h2>
        <p role="status">
          {error ? `Loading the task types failed (${error}); trying again…` : 'Loading…'}
        </p>
      </section>
    );
  }
  return <TaskForm taskTypes={taskTypes} onSubmitted={onSubmitted} />;
}

/** The form itself: its fields follow the task type; the API's 422s appear beside them. */
function TaskForm({
  taskTypes,
  onSubmitted,
}: {
  taskTypes: TaskTypes;
  onSubmitted: (task: Task) => void;
}) {
  const specs = useMemo(() => perType((type) => formSpecOf(type, taskTypes[type])), [taskTypes]);
  const [taskType, setTaskType] = useState<TaskType>('csv_processing');
  const [sources, setSources] = useState<PerType<SourceId>>(() => perType(() => 'generated'));
  const [values, setValues] = useState<PerType<FormValues>>(() =>
    perType((type) => defaultValues(specs[type])),
  );
  const [uploads, setUploads] = useState<PerType<UploadItem[]>>(() => perType(() => []));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<Task | null>(null);
  const [priority, setPriority] = useState(String(DEFAULT_PRIORITY));
  const [delay, setDelay] = useState('');
  const form = useRef<HTMLFormElement>(null);
  // Counted, not a flag: an effect left pending from an earlier render (Preact runs effects
  // after paint) could take a flag before the errors are on the page, and nothing would be focused.
  const [focusRequests, setFocusRequests] = useState(0);

  const spec = specs[taskType];
  const source = sources[taskType];
  const fields = visibleFields(spec, source);

  useEffect(() => {
    if (focusRequests === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequests]);

  const clearErrors = (): void => {
    setFieldErrors({});
    setFormErrors([]);
  };

  const setValue = (name: string, value: string | boolean): void => {
    setValues((current) => ({ ...current, [taskType]: { ...current[taskType], [name]: value } }));
    if (fieldErrors[name]) {
      setFieldErrors(({ [name]: _fixed, ...rest }) => rest);
    }
  };

  const updateUpload = (type: TaskType, key: number, change: Partial<UploadItem>): void =>
    setUploads((current) => ({
      ...current,
      [type]: current[type].map((item) => (item.key === key ? { ...item, ...change } : item)),
    }));

  const addFiles = (files: File[]): void => {
    const type = taskType;
    const multiple = specs[type].upload?.multiple ?? false;
    const added = (multiple ? files : files.slice(0, 1)).map((file) => ({
      file,
      item: {
        key: nextUploadKey++,
        name: file.name,
        size: file.size,
        state: 'uploading',
        progress: 0,
      } satisfies UploadItem,
    }));
    setUploads((current) => ({
      ...current,
      [type]: multiple
        ? [...current[type], ...added.map(({ item }) => item)]
        : added.map(({ item }) => item),
    }));
    setFieldErrors(({ file_id: _one, file_ids: _many, ...rest }) => rest);
    for (const { file, item } of added) {
      uploadFile(file, (progress) => updateUpload(type, item.key, { progress }))
        .then((uploaded) =>
          updateUpload(type, item.key, { state: 'done', fileId: uploaded.file_id }),
        )
        .catch((error: unknown) =>
          updateUpload(type, item.key, {
            state: 'failed',
            error: error instanceof Error ? error.message : String(error),
          }),
        );
    }
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    clearErrors();
    setSubmitted(null);
    const invalidNumbers = new Set(
      Array.from(form.current?.querySelectorAll<HTMLInputElement>('input[type="number"]') ?? [])
        .filter((input) => input.validity.badInput)
        .map((input) => input.name),
    );
    const uploadedIds = uploads[taskType].flatMap((item) => (item.fileId ? [item.fileId] : []));
    const built = buildParams(spec, source, values[taskType], uploadedIds, invalidNumbers);
    if (Object.keys(built.errors).length > 0) {
      setFieldErrors(built.errors);
      setFocusRequests((count) => count + 1);
      return;
    }
    setSubmitting(true);
    try {
      const task = await api.submitTask(taskType, built.params, startOptionsOf(priority, delay));
      setSubmitted(task);
      onSubmitted(task);
    } catch (error) {
      if (error instanceof ApiError && error.problems.length > 0) {
        const known = new Set([
          'task_type',
          ...fields.map((field) => field.name),
          ...(spec.upload && source === 'upload' ? [spec.upload.name] : []),
        ]);
        const sorted = problemsByField(error.problems, known);
        setFieldErrors(sorted.fieldErrors);
        setFormErrors(sorted.formErrors);
        setFocusRequests((count) => count + 1);
      } else {
        setFormErrors([
          error instanceof Error ? `The task was not submitted: ${error.message}` : String(error),
        ]);
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form
      ref={form}
      class="submit-form"
      aria-labelledby="submit-heading"
      noValidate
      onSubmit={(event) => void submit(event)}
    >
      <h2 id="submit-heading">New task</h2>
      <fieldset
        class="choice"
        aria-describedby={fieldErrors.task_type ? 'task-type-error' : undefined}
      >
        <legend>Task type</legend>
        {TASK_TYPES.map((type) => (
          <label key={type} class="choice-option">
            <input
              type="radio"
              name="task_type"
              value={type}
              checked={taskType === type}
              onChange={() => {
                setTaskType(type);
                clearErrors();
              }}
            />
            {TASK_TYPE_LABELS[type]}
          </label>
        ))}
        {fieldErrors.task_type && (
          <p class="field-error" id="task-type-error">
            {fieldErrors.task_type}
          </p>
        )}
      </fieldset>

      <fieldset class="choice">
        <legend>Input</legend>
        {spec.sources.map((option) => (
          <label key={option.id} class="choice-option">
            <input
              type="radio"
              name="source"
              value={option.id}
              checked={source === option.id}
              onChange={() => {
                setSources((current) => ({ ...current, [taskType]: option.id }));
                clearErrors();
              }}
            />
            {option.label}
          </label>
        ))}
      </fieldset>

      {spec.upload && source === 'upload' && (
        <FileDrop
          id={`field-${spec.upload.name}`}
          label={spec.upload.label}
          accept={spec.upload.accept}
          multiple={spec.upload.multiple}
          items={uploads[taskType]}
          error={fieldErrors[spec.upload.name]}
          onAdd={addFiles}
          onRemove={(key) =>
            setUploads((current) => ({
              ...current,
              [taskType]: current[taskType].filter((item) => item.key !== key),
            }))
          }
        />
      )}

      <div class="fields">
        {fields.map((field) => (
          <FormField
            key={`${taskType}-${field.name}`}
            field={field}
            value={values[taskType][field.name] ?? field.defaultValue}
            error={fieldErrors[field.name]}
            onChange={(value) => setValue(field.name, value)}
          />
        ))}
      </div>

      <div class="fields start-fields">
        <div class="field">
          <label for="field-priority">Priority</label>
          <input
            id="field-priority"
            name="priority"
            type="number"
            min={MIN_PRIORITY}
            max={MAX_PRIORITY}
            step={1}
            value={priority}
            aria-describedby="field-priority-hint"
            onInput={(event) => setPriority(event.currentTarget.value)}
          />
          <p class="hint" id="field-priority-hint">
            {MIN_PRIORITY}–{MAX_PRIORITY}; a larger one starts sooner among waiting tasks.
          </p>
        </div>
        <div class="field">
          <label for="field-delay-seconds">Start after (seconds)</label>
          <input
            id="field-delay-seconds"
            name="delay_seconds"
            type="number"
            min={0}
            step={1}
            value={delay}
            placeholder="now"
            aria-describedby="field-delay-seconds-hint"
            onInput={(event) => setDelay(event.currentTarget.value)}
          />
          <p class="hint" id="field-delay-seconds-hint">
            Empty: at once. Otherwise the task is SCHEDULED until then (at most 365 days).
          </p>
        </div>
      </div>

      {formErrors.length > 0 && (
        <div class="form-errors" role="alert">
          <p>The task was not submitted:</p>
          <ul>
            {formErrors.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        </div>
      )}
      {Object.keys(fieldErrors).length > 0 && (
        <p class="visually-hidden" role="alert">
          The task was not submitted: {Object.values(fieldErrors).join('. ')}
        </p>
      )}

      <div class="form-buttons">
        <button type="submit" class="button primary" disabled={submitting}>
          {submitting ? 'Submitting…' : 'Submit task'}
        </button>
        <button
          type="button"
          class="button"
          onClick={() => {
            setValues((current) => ({ ...current, [taskType]: defaultValues(spec) }));
            clearErrors();
          }}
        >
          Reset to defaults
        </button>
      </div>
      {submitted && (
        <p class="submitted" role="status">
          Submitted {TASK_TYPE_LABELS[submitted.task_type]} task{' '}
          <a href={taskHref(submitted.id)}>
            <code>{shortId(submitted.id)}</code>
          </a>
          .
        </p>
      )}
    </form>
  );
}
