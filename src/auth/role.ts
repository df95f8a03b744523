/** §7: each role can do everything the one before it can. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** True when `held` may do what needs `needed`. */
export const roleAllows = (held: Role, needed: Role): boolean =>
  ROLES.indexOf(held) >= ROLES.indexOf(needed);

/** The project of a key that sees every project (admin keys only). */
export const ALL_PROJECTS = '*';

/** Where everything lives in open mode and where existing rows were put by the migration. */
export const DEFAULT_PROJECT = 'default';

/** Project names: short, lower-case, safe in a URL, a log line and a file path. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
