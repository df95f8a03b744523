import { formatBytes, formatNumber } from '../lib/format';
import { asNumber, asRecord, asRecords, asText, type Json } from './json-shape';
import { SummaryList } from './summary-list';

function TopValues({ column }: { column: Json }) {
  const values = asRecords(column.top_values);
  if (values.length === 0) return <>—</>;
  return (
    <ul class="top-values">
      {values.map((entry, index) => (
        <li key={index}>
          <span class="breakable">{asText(entry.value) ?? ''}</span>{' '}
          <span class="muted">×{formatNumber(entry.count)}</span>
        </li>
      ))}
    </ul>
  );
}

/** CSV statistics: headline counts, then one table row per column. */
export function CsvResult({ result }: { result: Json }) {
  const columns = asRecords(result.columns);
  const malformed = asRecords(result.malformed_examples);
  const statistics = result.statistics ? asRecord(result.statistics) : null;
  const bytes = asNumber(result.bytes);
  return (
    <section class="result result-csv" aria-labelledby="csv-result-heading">
      <h3 id="csv-result-heading">CSV statistics</h3>
      <SummaryList
        items={[
          ['Total rows', result.total_rows],
          ['Processed rows', result.processed_rows],
          ['Malformed rows', result.malformed_rows],
          ['Delimiter', asText(result.delimiter) === '\t' ? 'tab' : asText(result.delimiter)],
          ['Size', bytes === undefined ? undefined : formatBytes(bytes)],
        ]}
      />
      {statistics && (
        <p class="muted">
          First numeric column <strong>{asText(statistics.column) ?? '?'}</strong>: sum{' '}
          {formatNumber(statistics.sum)}, average {formatNumber(statistics.avg)}, min{' '}
          {formatNumber(statistics.min)}, max {formatNumber(statistics.max)}.
        </p>
      )}
      {columns.length > 0 && (
        <div class="table-wrap">
          <table class="data-table" data-result-table="csv-columns">
            <caption>Column statistics</caption>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Type</th>
                <th scope="col">Values</th>
                <th scope="col">Empty</th>
                <th scope="col">Min</th>
                <th scope="col">Max</th>
                <th scope="col">Mean</th>
                <th scope="col">Std dev</th>
                <th scope="col">Sum</th>
                <th scope="col">Distinct</th>
                <th scope="col">Most frequent</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((column, index) => (
                <tr key={index}>
                  <th scope="row">{asText(column.name) ?? `#${index + 1}`}</th>
                  <td>{asText(column.type) ?? '—'}</td>
                  <td>{formatNumber(column.count)}</td>
                  <td>{formatNumber(column.nulls)}</td>
                  <td>{formatNumber(column.min)}</td>
                  <td>{formatNumber(column.max)}</td>
                  <td>{formatNumber(column.mean)}</td>
                  <td>{formatNumber(column.stddev)}</td>
                  <td>{formatNumber(column.sum)}</td>
                  <td>
                    {column.distinct === undefined
                      ? '—'
                      : `${column.distinct_is_estimate ? '≈' : ''}${formatNumber(column.distinct)}`}
                  </td>
                  <td>
                    <TopValues column={column} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {malformed.length > 0 && (
        <div class="table-wrap">
          <table class="data-table">
            <caption>First malformed rows</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {malformed.map((row, index) => (
                <tr key={index}>
                  <td>{formatNumber(row.line)}</td>
                  <td>{asText(row.error) ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
