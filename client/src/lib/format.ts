import type { TaskType } from '../api/types';

export const TASK_TYPE_LABELS: Record<TaskType, string> = {
  csv_processing: 'CSV processing',
  email_sending: 'E-mail sending',
  image_processing: 'Image processing',
};

/** The first 8 characters of a task id, as the list shows it. */
export const shortId = (id: string): string => id.slice(0, 8);

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function formatNumber(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return numberFormat.format(value);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '—';
  return formatValue(value);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Seconds with one decimal below a minute, then minutes and seconds, then hours and minutes. */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 60_000) return `${(safe / 1000).toFixed(1)} s`;
  const totalSeconds = Math.floor(safe / 1000);
  if (totalSeconds < 3600) {
    const minutes = Math.floor(totalSeconds / 60);
    return `${minutes} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const hours = Math.floor(totalSeconds / 3600);
  return `${hours} h ${String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, '0')} min`;
}

export const durationBetween = (from: string, to: string | number): number =>
  (typeof to === 'number' ? to : Date.parse(to)) - Date.parse(from);

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Local time of day for today's times, with the date for older ones. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? timeFormat.format(date)
    : dateTimeFormat.format(date);
}

export function formatMinute(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Any JSON value as display text; objects as indented JSON. Never markup. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '—';
  return JSON.stringify(value, null, 2);
}
