import type { TaskType, TaskTypeInfo } from '../api/types';

/** Where a task's input comes from: data the worker generates, uploaded files, or a typed list. */
export type SourceId = 'generated' | 'upload' | 'list';

export interface SourceSpec {
  id: SourceId;
  label: string;
}

export type FieldKind =
  'integer' | 'number' | 'text' | 'email' | 'textarea' | 'checkbox' | 'select';

/** How a parameter is shown; its default and its choices come from the API. */
export interface FieldLayout {
  /** The input_params key; the API's 422 `loc` names it. */
  name: string;
  label: string;
  kind: FieldKind;
  hint?: string;
  placeholder?: string;
  min?: number;
  max?: number;
  step?: number;
  /** Shown only for this input source. */
  source?: SourceId;
}

export interface UploadSpec {
  /** `file_id` (one file) or `file_ids` (several). */
  name: 'file_id' | 'file_ids';
  label: string;
  accept: string;
  multiple: boolean;
}

/** A field as the form shows it: its layout, with the API's default and choices. */
export interface FieldSpec extends FieldLayout {
  defaultValue: string | boolean;
  options?: readonly string[];
}

interface TaskFormLayout {
  sources: SourceSpec[];
  upload?: UploadSpec;
  fields: FieldLayout[];
}

export interface TaskFormSpec extends TaskFormLayout {
  fields: FieldSpec[];
}

const FORM_LAYOUTS: Record<TaskType, TaskFormLayout> = {
  csv_processing: {
    sources: [
      { id: 'generated', label: 'Generate rows' },
      { id: 'upload', label: 'Upload a CSV file' },
    ],
    upload: {
      name: 'file_id',
      label: 'CSV file',
      accept: '.csv,.tsv,.txt,text/csv',
      multiple: false,
    },
    fields: [
      {
        name: 'num_rows',
        label: 'Rows to generate',
        kind: 'integer',
        min: 1,
        max: 10_000_000,
        source: 'generated',
      },
      {
        name: 'delimiter',
        label: 'Delimiter',
        kind: 'text',
        placeholder: 'detected',
        hint: 'One character; left empty, it is detected from the data.',
      },
      {
        name: 'has_header',
        label: 'First row holds column names',
        kind: 'checkbox',
      },
      {
        name: 'processing_time',
        label: 'Minimum run time (seconds)',
        kind: 'number',
        min: 0,
        max: 600,
        step: 0.1,
        hint: 'Paces the work so that a demo can watch it, and cancel it.',
      },
    ],
  },
  email_sending: {
    sources: [
      { id: 'generated', label: 'Numbered test addresses' },
      { id: 'list', label: 'A list of addresses' },
    ],
    fields: [
      {
        name: 'num_emails',
        label: 'Number of e-mails',
        kind: 'integer',
        min: 1,
        max: 10_000,
        source: 'generated',
        hint: 'Sent to user1@example.com, user2@example.com, …',
      },
      {
        name: 'recipients',
        label: 'Recipients',
        kind: 'textarea',
        source: 'list',
        placeholder: 'ada@example.com\nGrace Hopper <grace@example.com>',
        hint: 'One address per line (or separated by commas); "Name <address>" works too.',
      },
      { name: 'subject', label: 'Subject', kind: 'text' },
      {
        name: 'body',
        label: 'Text body',
        kind: 'textarea',
      },
      {
        name: 'html',
        label: 'HTML body',
        kind: 'textarea',
        hint: 'Optional; sent beside the text body. Shown here as text, never rendered.',
      },
      {
        name: 'from',
        label: 'From',
        kind: 'email',
        placeholder: 'the service default',
      },
      {
        name: 'delay_per_email',
        label: 'Delay between e-mails (seconds)',
        kind: 'number',
        min: 0,
        max: 60,
        step: 0.1,
      },
    ],
  },
  image_processing: {
    sources: [
      { id: 'generated', label: 'Generate test images' },
      { id: 'upload', label: 'Upload images' },
    ],
    upload: { name: 'file_ids', label: 'Images', accept: 'image/*', multiple: true },
    fields: [
      {
        name: 'num_images',
        label: 'Images to generate',
        kind: 'integer',
        min: 1,
        max: 100,
        source: 'generated',
      },
      {
        name: 'target_width',
        label: 'Width (px)',
        kind: 'integer',
        min: 1,
        max: 8192,
      },
      {
        name: 'target_height',
        label: 'Height (px)',
        kind: 'integer',
        min: 1,
        max: 8192,
      },
      {
        name: 'fit',
        label: 'Fit',
        kind: 'select',
      },
      {
        name: 'format',
        label: 'Format',
        kind: 'select',
      },
      { name: 'quality', label: 'Quality', kind: 'integer', min: 1, max: 100 },
    ],
  },
};

export type FormValues = Record<string, string | boolean>;

/** A form value as the inputs hold it: numbers and text as strings, checkboxes as booleans. */
function formValueOf(kind: FieldKind, value: unknown): string | boolean {
  if (kind === 'checkbox') return value === true;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/**
 * A task type's form: the layout written here, with the defaults and choices the API serves
 * (GET /api/task-types), so that an untouched form submits what a bare API call would.
 */
export function formSpecOf(type: TaskType, served: TaskTypeInfo): TaskFormSpec {
  const layout = FORM_LAYOUTS[type];
  return {
    ...layout,
    fields: layout.fields.map((field) => ({
      ...field,
      defaultValue: formValueOf(field.kind, served.defaults[field.name]),
      ...(served.choices[field.name] ? { options: served.choices[field.name] } : {}),
    })),
  };
}

export function defaultValues(spec: TaskFormSpec): FormValues {
  return Object.fromEntries(spec.fields.map((field) => [field.name, field.defaultValue]));
}

export const visibleFields = (spec: TaskFormSpec, source: SourceId): FieldSpec[] =>
  spec.fields.filter((field) => !field.source || field.source === source);
