import { useEffect, useState } from 'preact/hooks';

export const SCHEDULES_HREF = '#/schedules';

/**
 * `#/tasks/<id>` opens a task's detail view; `#/schedules` shows the schedules page; anything
 * else is the console itself.
 */
export interface Route {
  taskId: string | null;
  schedules: boolean;
}

function parse(hash: string): Route {
  const match = /^#\/tasks\/([0-9a-fA-F-]{1,36})$/.exec(hash);
  return { taskId: match ? match[1] : null, schedules: hash === SCHEDULES_HREF };
}

export const taskHref = (id: string): string => `#/tasks/${id}`;

export function navigateToTask(id: string | null): void {
  window.location.hash = id ? taskHref(id) : '#/';
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parse(window.location.hash));
  useEffect(() => {
    const update = (): void => setRoute(parse(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
