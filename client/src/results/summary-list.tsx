import { formatNumber } from '../lib/format';

/** A few headline numbers of a result, as a description list. */
export function SummaryList({ items }: { items: [label: string, value: unknown][] }) {
  const shown = items.filter(([, value]) => value !== undefined && value !== null);
  if (shown.length === 0) return null;
  return (
    <dl class="summary">
      {shown.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{formatNumber(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
