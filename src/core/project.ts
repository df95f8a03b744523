/** Where everything lives in open mode, and where rows from before projects were put. */
export const DEFAULT_PROJECT = 'default';

/** The project of an admin key that sees every project. */
export const ALL_PROJECTS = '*';

/** Project names: short, lower-case, safe in a URL, a log line and a file path. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Which projects a read or a write may touch: one project, or every project (`project`
 * undefined: an admin key of `*`). The task store applies it to every query it is given.
 */
export interface ProjectScope {
  project?: string;
}

/** The scope of internal work (workers, recovery, retention): every project. */
export const EVERY_PROJECT: ProjectScope = Object.freeze({});

/**
 * The one project a query may match, given the caller's scope and an optional `project`
 * filter: undefined for every project, null when the two disagree and nothing can match.
 */
export function projectToMatch(scope: ProjectScope, filter?: string): string | undefined | null {
  if (scope.project !== undefined && filter !== undefined && filter !== scope.project) return null;
  return scope.project ?? filter;
}
