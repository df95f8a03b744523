import { useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { Session } from '../api/types';
import { describeError } from '../components/notices';

/**
 * Asks for an API key when the API wants one. The key is sent once to POST /api/session and
 * then forgotten: the browser keeps only the HttpOnly session cookie the answer sets.
 */
export function SignIn({
  onSignedIn,
  reason,
}: {
  onSignedIn: (session: Session) => void;
  reason?: string;
}) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api.signIn(key.trim());
      setKey('');
      onSignedIn(session);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="panel sign-in-panel" onSubmit={(event) => void submit(event)}>
        <h1>
          Conveyor <span class="subtitle">task console</span>
        </h1>
        <p>{reason ?? 'This service asks for an API key.'} Paste yours to sign in.</p>
        <label class="field">
          <span>API key</span>
          <input
            type="password"
            name="api-key"
            autocomplete="off"
            spellcheck={false}
            required
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button primary" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
        <p class="muted small">
          The key is exchanged for a session cookie the page cannot read; it is not stored in the
          browser. An administrator creates keys with <code>npm run keys -- create</code>.
        </p>
      </form>
    </main>
  );
}
