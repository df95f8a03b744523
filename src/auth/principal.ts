import type { HttpRequest } from '../http/http-request';
import { DEFAULT_PROJECT } from '../core/project';
import { Role } from './role';

/** Who makes a request, as the guard established it. */
export interface Principal {
  /** The stored key's id; null in open mode and for ADMIN_API_KEY. */
  keyId: string | null;
  name: string;
  role: Role;
  /** A project, or `*` for an admin key of all projects. */
  project: string;
  /** How the request proved it: no proof needed (open), a key header, or the dashboard's cookie. */
  via: 'open' | 'key' | 'session';
}

/** Open mode: everyone may do everything, in the project `default`. */
export const OPEN_PRINCIPAL: Principal = {
  keyId: null,
  name: 'open mode',
  role: 'admin',
  project: DEFAULT_PROJECT,
  via: 'open',
};

/** The request as the guard leaves it. */
export interface AuthenticatedRequest extends HttpRequest {
  principal?: Principal;
}
