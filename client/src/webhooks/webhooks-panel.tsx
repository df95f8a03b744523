import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import {
  WEBHOOK_EVENTS,
  type Webhook,
  type WebhookDelivery,
  type WebhookEvent,
} from '../api/types';
import { useCan } from '../auth/session-context';
import { useNotices } from '../components/notices';
import { useLiveResource } from '../data/use-live-resource';
import { shortId } from '../lib/format';
import { taskHref } from '../lib/hash-route';

/** Deliveries come with task outcomes: re-read on those, and now and then. */
const POLL_INTERVAL_MS = 10_000;

function Deliveries({ webhook }: { webhook: Webhook }) {
  const load = useCallback(
    async () => (await api.webhookDeliveries(webhook.id)).deliveries,
    [webhook.id],
  );
  const { value: deliveries, error } = useLiveResource(load, POLL_INTERVAL_MS);
  if (error) return <p class="field-error">Could not load the deliveries: {error}</p>;
  if (!deliveries) return <p class="muted">Loading…</p>;
  if (deliveries.length === 0) return <p class="muted">Nothing delivered yet.</p>;
  return (
    <table class="deliveries-table" data-deliveries={webhook.id}>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Task</th>
          <th scope="col">Event</th>
          <th scope="col">Try</th>
          <th scope="col">Answer</th>
          <th scope="col">Time</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((row: WebhookDelivery) => (
          <tr key={row.id} data-delivered={row.delivered ? 'yes' : 'no'}>
            <td>{new Date(row.created_at).toLocaleString()}</td>
            <td>
              <a href={taskHref(row.task_id)} class="task-link" title={row.task_id}>
                {shortId(row.task_id)}
              </a>
            </td>
            <td>{row.event}</td>
            <td>{row.attempt}</td>
            <td class={row.delivered ? '' : 'field-error'}>
              {row.error ?? String(row.status_code)}
            </td>
            <td>{row.duration_ms} ms</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CreateForm({ onCreated }: { onCreated: (hook: Webhook & { secret: string }) => void }) {
  const notices = useNotices();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([...WEBHOOK_EVENTS]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onCreated(await api.createWebhook(url.trim(), events));
      setUrl('');
    } catch (failure) {
      setProblem((failure as Error).message);
      notices.reportError('Could not add the webhook', failure);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (name: WebhookEvent): void =>
    setEvents((current) =>
      current.includes(name) ? current.filter((shown) => shown !== name) : [...current, name],
    );

  return (
    <form class="webhook-form" onSubmit={(event) => void submit(event)}>
      <label>
        URL{' '}
        <input
          type="url"
          name="webhook-url"
          required
          placeholder="https://example.com/conveyor"
          value={url}
          onInput={(event) => setUrl((event.target as HTMLInputElement).value)}
        />
      </label>
      <fieldset>
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              name={name}
              checked={events.includes(name)}
              onChange={() => toggle(name)}
            />{' '}
            {name}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="button" disabled={busy || events.length === 0}>
        Add webhook
      </button>
      {problem && (
        <p class="field-error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

/**
 * The project's webhooks (§11): add one (its signing secret is shown once, here), delete one,
 * and see each one's latest delivery tries. Viewers see them; operators change them.
 */
export function WebhooksPanel() {
  const { value: webhooks, error, setValue } = useLiveResource(api.webhooks, POLL_INTERVAL_MS);
  const canOperate = useCan('operator');
  const notices = useNotices();
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // Deleting asks once more, in the row itself.
  const [confirming, setConfirming] = useState<string | null>(null);

  // The secret is shown for the webhook just created, and forgotten once it is gone.
  useEffect(() => {
    if (secret && webhooks && !webhooks.some((hook) => hook.id === secret.id)) setSecret(null);
  }, [secret, webhooks]);

  const created = (hook: Webhook & { secret: string }): void => {
    const { secret: shown, ...rest } = hook;
    setSecret({ id: hook.id, secret: shown });
    setValue((current) => [rest, ...(current ?? []).filter((row) => row.id !== hook.id)]);
  };
  const remove = async (hook: Webhook): Promise<void> => {
    setConfirming(null);
    setBusy(hook.id);
    try {
      await api.deleteWebhook(hook.id);
      setValue((current) => current?.filter((row) => row.id !== hook.id) ?? null);
      if (secret?.id === hook.id) setSecret(null);
    } catch (failure) {
      notices.reportError('Could not delete the webhook', failure);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section id="webhooks" class="panel webhooks-panel" aria-labelledby="webhooks-heading">
      <div class="panel-head">
        <h2 id="webhooks-heading">Webhooks</h2>
        {webhooks && <span class="muted">{webhooks.length}</span>}
      </div>
      {error && (
        <p class="field-error" role="alert">
          Could not load the webhooks: {error}
        </p>
      )}
      {canOperate && <CreateForm onCreated={created} />}
      {secret && (
        <div class="webhook-secret" role="status" data-secret-for={secret.id}>
          <p>
            Signing secret of the new webhook. Copy it now: it is not shown again.
            <br />
            <code data-webhook-secret>{secret.secret}</code>
          </p>
          <button type="button" class="link-button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      {webhooks && webhooks.length === 0 && (
        <p class="muted">No webhook: task outcomes are sent nowhere.</p>
      )}
      {webhooks && webhooks.length > 0 && (
        <ul class="plain-list webhook-list">
          {webhooks.map((hook) => (
            <li key={hook.id} data-webhook-id={hook.id}>
              <span class="breakable" data-webhook-url>
                {hook.url}
              </span>{' '}
              <span class="muted">{hook.events.join(', ')}</span>{' '}
              <button
                type="button"
                class="link-button"
                aria-expanded={open === hook.id}
                onClick={() => setOpen(open === hook.id ? null : hook.id)}
              >
                {open === hook.id ? 'Hide deliveries' : 'Deliveries'}
              </button>
              {canOperate && confirming !== hook.id && (
                <button
                  type="button"
                  class="button danger"
                  disabled={busy === hook.id}
                  aria-label={`Delete the webhook to ${hook.url}`}
                  onClick={() => setConfirming(hook.id)}
                >
                  Delete
                </button>
              )}
              {canOperate && confirming === hook.id && (
                <span class="confirm-delete">
                  Nothing more will be sent to it.{' '}
                  <button type="button" class="button danger" onClick={() => void remove(hook)}>
                    Yes, delete
                  </button>{' '}
                  <button type="button" class="link-button" onClick={() => setConfirming(null)}>
                    Keep it
                  </button>
                </span>
              )}
              {open === hook.id && <Deliveries webhook={hook} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
