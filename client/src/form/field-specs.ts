import type { TaskType } from '../api/types';

/** Where a task's input comes from: data the worker generates, uploaded files, or a typed list. */
export type SourceId = 'generated' | 'upload' | 'list';

export interface SourceSpec {
  id: SourceId;
  label: string;
}

export type FieldKind =
  'integer' | 'number' | 'text' | 'email' | 'textarea' | 'checkbox' | 'select';

export interface FieldSpec {
  /** The input_params key; the API's 422 `loc` names it. */
  name: string;
  label: string;
  kind: FieldKind;
  defaultValue: string | boolean;
  hint?: string;
  placeholder?: string;
  options?: readonly string[];
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

export interface TaskFormSpec {
  sources: SourceSpec[];
  upload?: UploadSpec;
  fields: FieldSpec[];
}

// Defaults are the API's own, so an untouched form submits what a bare API call would.
export const FORM_SPECS: Record<TaskType, TaskFormSpec> = {
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
        defaultValue: '1000',
        min: 1,
        max: 10_000_000,
        source: 'generated',
      },
      {
        name: 'delimiter',
        label: 'Delimiter',
        kind: 'text',
        defaultValue: '',
        placeholder: 'detected',
        hint: 'One character; left empty, it is detected from the data.',
      },
      {
        name: 'has_header',
        label: 'First row holds column names',
        kind: 'checkbox',
        defaultValue: true,
      },
      {
        name: 'processing_time',
        label: 'Minimum run time (seconds)',
        kind: 'number',
        defaultValue: '0',
        min: 0,
        max: 3600,
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
        defaultValue: '10',
        min: 1,
        max: 10_000,
        source: 'generated',
        hint: 'Sent to user1@example.com, user2@example.com, …',
      },
      {
        name: 'recipients',
        label: 'Recipients',
        kind: 'textarea',
        defaultValue: '',
        source: 'list',
        placeholder: 'ada@example.com\nGrace Hopper <grace@example.com>',
        hint: 'One address per line (or separated by commas); "Name <address>" works too.',
      },
      { name: 'subject', label: 'Subject', kind: 'text', defaultValue: 'Test Email' },
      {
        name: 'body',
        label: 'Text body',
        kind: 'textarea',
        defaultValue: 'This is a test email sent by Conveyor.',
      },
      {
        name: 'html',
        label: 'HTML body',
        kind: 'textarea',
        defaultValue: '',
        hint: 'Optional; sent beside the text body. Shown here as text, never rendered.',
      },
      {
        name: 'from',
        label: 'From',
        kind: 'email',
        defaultValue: '',
        placeholder: 'the service default',
      },
      {
        name: 'delay_per_email',
        label: 'Delay between e-mails (seconds)',
        kind: 'number',
        defaultValue: '0',
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
        defaultValue: '5',
        min: 1,
        max: 100,
        source: 'generated',
      },
      {
        name: 'target_width',
        label: 'Width (px)',
        kind: 'integer',
        defaultValue: '800',
        min: 1,
        max: 8192,
      },
      {
        name: 'target_height',
        label: 'Height (px)',
        kind: 'integer',
        defaultValue: '600',
        min: 1,
        max: 8192,
      },
      {
        name: 'fit',
        label: 'Fit',
        kind: 'select',
        defaultValue: 'cover',
        options: ['cover', 'contain', 'fill', 'inside', 'outside'],
      },
      {
        name: 'format',
        label: 'Format',
        kind: 'select',
        defaultValue: 'jpeg',
        options: ['jpeg', 'png', 'webp', 'avif'],
      },
      { name: 'quality', label: 'Quality', kind: 'integer', defaultValue: '80', min: 1, max: 100 },
    ],
  },
};

export type FormValues = Record<string, string | boolean>;

export function defaultValues(type: TaskType): FormValues {
  return Object.fromEntries(
    FORM_SPECS[type].fields.map((field) => [field.name, field.defaultValue]),
  );
}

export const visibleFields = (type: TaskType, source: SourceId): FieldSpec[] =>
  FORM_SPECS[type].fields.filter((field) => !field.source || field.source === source);
