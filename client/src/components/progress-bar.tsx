/** A task's progress, announced to assistive technology as a progressbar. */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const percent = Math.max(0, Math.min(100, value));
  const shown = Math.floor(percent);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent * 100) / 100}
    >
      <div class="progress-fill" style={{ width: `${percent}%` }} />
      <span class="progress-text">{shown}%</span>
    </div>
  );
}
