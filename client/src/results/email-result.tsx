import { useState } from 'preact/hooks';
import { formatTime } from '../lib/format';
import { asRecords, asText, type Json } from './json-shape';
import { SummaryList } from './summary-list';

/** Long recipient lists (up to 10,000) are shown a page at a time. */
const SHOWN_AT_FIRST = 100;

/** Delivery per recipient: address, status, time, and the server's answer or the error. */
export function EmailResult({ result }: { result: Json }) {
  const emails = asRecords(result.emails);
  const [shown, setShown] = useState(SHOWN_AT_FIRST);
  return (
    <section class="result result-email" aria-labelledby="email-result-heading">
      <h3 id="email-result-heading">Deliveries</h3>
      <SummaryList
        items={[
          ['Total', result.total_emails],
          ['Delivered', result.sent_successfully],
          ['Failed', result.failed],
        ]}
      />
      {emails.length > 0 && (
        <div class="table-wrap">
          <table class="data-table" data-result-table="email-recipients">
            <caption>Recipients</caption>
            <thead>
              <tr>
                <th scope="col">Recipient</th>
                <th scope="col">Status</th>
                <th scope="col">Sent</th>
                <th scope="col">Message id</th>
                <th scope="col">Server answer or error</th>
              </tr>
            </thead>
            <tbody>
              {emails.slice(0, shown).map((email, index) => {
                const status = asText(email.status) ?? 'unknown';
                const sentAt = asText(email.sent_at);
                return (
                  <tr key={index} data-delivery-status={status}>
                    <td>{asText(email.to) ?? '—'}</td>
                    <td class="nowrap">
                      <span class={`delivery delivery-${status === 'delivered' ? 'ok' : 'bad'}`}>
                        {status}
                      </span>
                    </td>
                    <td class="nowrap">
                      {sentAt ? <time dateTime={sentAt}>{formatTime(sentAt)}</time> : '—'}
                    </td>
                    <td class="breakable small">{asText(email.message_id) ?? '—'}</td>
                    <td class="breakable small">
                      {asText(email.error) ?? asText(email.response) ?? '—'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {emails.length > shown && (
        <button
          type="button"
          class="button"
          onClick={() => setShown((current) => current + SHOWN_AT_FIRST * 10)}
        >
          Show more recipients ({emails.length - shown} not shown)
        </button>
      )}
    </section>
  );
}
