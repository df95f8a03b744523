import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, onUnauthorized } from '../api/api-client';
import { ApiError } from '../api/api-error';
import type { Session } from '../api/types';
import { App } from '../app';
import { describeError } from '../components/notices';
import type { LiveFeed } from '../live/live-feed';
import { LiveFeedContext } from '../live/use-live-feed';
import { SessionContext, type SessionState } from './session-context';
import { SignIn } from './sign-in';

type RootState =
  | { kind: 'loading' }
  | { kind: 'signed-out'; reason?: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'signed-in'; session: Session };

/**
 * Asks the API who the page is (GET /api/session). Open mode and a live session go straight to
 * the console; a 401, then or later, shows the sign-in screen. Live updates run only while
 * signed in: the event stream authenticates with the same cookie.
 */
export function Root({ feed }: { feed: LiveFeed }) {
  const [state, setState] = useState<RootState>({ kind: 'loading' });

  const check = useCallback(() => {
    api.session().then(
      (session) => setState({ kind: 'signed-in', session }),
      (error: unknown) =>
        setState(
          error instanceof ApiError && error.status === 401
            ? { kind: 'signed-out' }
            : { kind: 'unreachable', message: describeError(error) },
        ),
    );
  }, []);
  useEffect(check, [check]);
  useEffect(
    () =>
      onUnauthorized(() =>
        setState((current) =>
          current.kind === 'signed-in'
            ? { kind: 'signed-out', reason: 'The session ended or its key was revoked.' }
            : current,
        ),
      ),
    [],
  );
  const signedIn = state.kind === 'signed-in';
  useEffect(() => {
    if (!signedIn) return undefined;
    feed.start();
    return () => feed.stop();
  }, [signedIn, feed]);

  const session = state.kind === 'signed-in' ? state.session : null;
  const sessionState = useMemo<SessionState | null>(
    () =>
      session && {
        session,
        signOut: () => {
          const done = (): void => setState({ kind: 'signed-out', reason: 'Signed out.' });
          api.signOut().then(done, done);
        },
      },
    [session],
  );

  if (state.kind === 'loading') return <p class="muted loading">Loading…</p>;
  if (state.kind === 'unreachable') {
    return (
      <main class="sign-in">
        <div class="panel sign-in-panel">
          <p role="alert">The service cannot be reached: {state.message}</p>
          <button type="button" class="button" onClick={check}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (state.kind === 'signed-out' || !sessionState) {
    return (
      <SignIn
        reason={state.kind === 'signed-out' ? state.reason : undefined}
        onSignedIn={(next) => setState({ kind: 'signed-in', session: next })}
      />
    );
  }
  return (
    <SessionContext.Provider value={sessionState}>
      <LiveFeedContext.Provider value={feed}>
        <App />
      </LiveFeedContext.Provider>
    </SessionContext.Provider>
  );
}
