import type { TaskStatus } from '../api/types';

export function StatusBadge({ status }: { status: TaskStatus }) {
  return <span class={`status status-${status.toLowerCase()}`}>{status}</span>;
}
