import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { AuditEntry } from '../api/types';
import { describeError } from '../components/notices';

const SHOWN = 20;

/** The newest audit entries, for admins: who did what, to which resource, from where. */
export function AuditPanel() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.audit(SHOWN).then(
      (page) => {
        setEntries(page.entries);
        setError(null);
      },
      (failure: unknown) => setError(describeError(failure)),
    );
  }, []);
  useEffect(load, [load]);

  return (
    <section class="panel audit-panel" aria-labelledby="audit-heading">
      <div class="panel-head">
        <h2 id="audit-heading">Audit log</h2>
        <button type="button" class="button" onClick={load}>
          Refresh
        </button>
      </div>
      {error && (
        <p class="field-error" role="alert">
          Could not load the audit log: {error}
        </p>
      )}
      {entries && entries.length === 0 && <p class="muted">Nothing recorded yet.</p>}
      {entries && entries.length > 0 && (
        <table class="audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Project</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>{new Date(entry.at).toLocaleString()}</td>
                <td>{entry.actor_name}</td>
                <td>{entry.action}</td>
                <td class="breakable">{entry.resource ?? ''}</td>
                <td>{entry.project}</td>
                <td>{entry.client_address ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
