import { Principal } from './principal';
import { ALL_PROJECTS, DEFAULT_PROJECT, ProjectScope } from '../core/project';

/**
 * The project a caller's new things belong to: its key's. An admin key of all projects has
 * no project of its own, so what it creates goes to `default`.
 */
export const writeProject = (caller: Pick<Principal, 'project'>): string =>
  caller.project === ALL_PROJECTS ? DEFAULT_PROJECT : caller.project;

/** The project a caller reads in: its key's, or undefined (every project) for `*`. */
export const readProject = (caller: Pick<Principal, 'project'>): string | undefined =>
  caller.project === ALL_PROJECTS ? undefined : caller.project;

/** What a caller may read and change: its key's project, or every project for `*`. */
export const scopeOf = (caller: Pick<Principal, 'project'>): ProjectScope => ({
  project: readProject(caller),
});
