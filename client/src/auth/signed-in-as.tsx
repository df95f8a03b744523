import { useSession } from './session-context';

/** "signed in as <name> (<role>, <project>)" and the way out; "open mode" when no key is used. */
export function SignedInAs() {
  const { session, signOut } = useSession();
  if (session.auth_mode === 'open') {
    return (
      <p class="signed-in muted" data-auth="open">
        Open mode: no key needed on this machine
      </p>
    );
  }
  return (
    <p class="signed-in" data-auth="keys">
      <span>
        Signed in as <strong>{session.name}</strong> ({session.role},{' '}
        {session.project === '*' ? 'all projects' : session.project})
      </span>{' '}
      <button type="button" class="link-button" onClick={signOut}>
        Sign out
      </button>
    </p>
  );
}
