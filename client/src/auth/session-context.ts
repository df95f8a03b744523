import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { roleAllows, type Role, type Session } from '../api/types';

export interface SessionState {
  session: Session;
  signOut(): void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('SessionContext is missing');
  return state;
}

/** Whether the signed-in key's role allows what needs `role`; controls it does not are hidden. */
export function useCan(role: Role): boolean {
  return roleAllows(useSession().session.role, role);
}
