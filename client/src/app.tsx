import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { Task } from './api/types';
import { AuditPanel } from './auth/audit-panel';
import { useCan } from './auth/session-context';
import { SignedInAs } from './auth/signed-in-as';
import { ConnectionStatus } from './components/connection-status';
import { NoticeList, NoticeProvider, useNoticeState } from './components/notices';
import { Pagination } from './components/pagination';
import { QueuesPanel } from './components/queues-panel';
import { StatusCounters } from './components/status-counters';
import { BulkActions } from './components/bulk-actions';
import { NO_FILTERS, TaskFilters, type Filters } from './components/task-filters';
import { TaskTable, type Selection } from './components/task-table';
import { ThroughputChart } from './components/throughput-chart';
import { useStats } from './data/use-stats';
import { useTaskPage } from './data/use-task-page';
import { TaskDetailDialog } from './detail/task-detail';
import { SubmitForm } from './form/submit-form';
import { SCHEDULES_HREF, useHashRoute } from './lib/hash-route';
import { formatNumber } from './lib/format';
import { SchedulesPage } from './schedules/schedules-page';
import { WorkersPanel } from './workers/workers-panel';
import { WebhooksPanel } from './webhooks/webhooks-panel';

const DEFAULT_PAGE_SIZE = 25;

/** Turns errors nobody caught into notices, so that none is seen only in the console. */
function useUncaughtErrors(report: (context: string, error: unknown) => void): void {
  useEffect(() => {
    const onError = (event: ErrorEvent): void =>
      report('Unexpected error', event.error ?? event.message);
    const onRejection = (event: PromiseRejectionEvent): void =>
      report('Unexpected error', event.reason);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    return () => {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    };
  }, [report]);
}

export function App() {
  const route = useHashRoute();
  const { notices, api: noticeApi, dismiss } = useNoticeState();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [paging, setPaging] = useState({ offset: 0, limit: DEFAULT_PAGE_SIZE });
  const page = useTaskPage({ ...filters, ...paging });
  const { stats, error: statsError } = useStats();
  const canOperate = useCan('operator');
  const isAdmin = useCan('admin');
  useUncaughtErrors(noticeApi.reportError);

  const changeFilters = useCallback((next: Filters) => {
    setFilters(next);
    setSelected(new Set());
    setPaging((current) => ({ ...current, offset: 0 }));
  }, []);
  const selection: Selection = useMemo(
    () => ({
      ids: selected,
      toggle: (id) =>
        setSelected((current) => {
          const next = new Set(current);
          if (!next.delete(id)) next.add(id);
          return next;
        }),
      toggleAll: (ids) =>
        setSelected((current) =>
          ids.every((id) => current.has(id)) ? new Set() : new Set([...current, ...ids]),
        ),
    }),
    [selected],
  );

  // A status filter's page can empty as its tasks move on: step back to the last page there is.
  useEffect(() => {
    if (page.current && page.tasks.length === 0 && paging.offset > 0 && page.total > 0) {
      const lastPage = Math.floor((page.total - 1) / paging.limit);
      setPaging({ offset: lastPage * paging.limit, limit: paging.limit });
    }
  }, [page.current, page.tasks.length, page.total, paging.offset, paging.limit]);

  const showTask = page.upsert;
  const showRetry = useCallback(
    (task: Task) => {
      page.upsert(task);
      noticeApi.inform(`Retry submitted as task ${task.id.slice(0, 8)}.`);
    },
    [page.upsert, noticeApi],
  );

  return (
    <NoticeProvider value={noticeApi}>
      <header class="topbar">
        <h1>
          Conveyor <span class="subtitle">task console</span>
        </h1>
        <nav class="top-nav" aria-label="Pages">
          <a href="#/" aria-current={route.schedules ? undefined : 'page'}>
            Tasks
          </a>
          <a href={SCHEDULES_HREF} aria-current={route.schedules ? 'page' : undefined}>
            Schedules
          </a>
        </nav>
        <ConnectionStatus />
        <SignedInAs />
      </header>
      <NoticeList notices={notices} onDismiss={dismiss} />
      {route.schedules && (
        <main class="schedules-layout">
          <SchedulesPage />
        </main>
      )}
      {/* Kept mounted on the schedules page, so the task list is as it was on the way back. */}
      <main class="layout" hidden={route.schedules}>
        <section class="overview" aria-label="Tasks per status">
          <StatusCounters
            stats={stats}
            active={filters.status}
            onSelect={(status) => changeFilters({ ...filters, status })}
          />
          {statsError && (
            <p class="field-error" role="alert">
              Could not load the counters: {statsError}
            </p>
          )}
        </section>
        <section class="chart-panel" aria-label="Throughput">
          <ThroughputChart points={stats?.throughput ?? []} />
        </section>
        <section class="panel submit-panel">
          {canOperate ? (
            <SubmitForm onSubmitted={showTask} />
          ) : (
            <p class="muted" data-role-note="viewer">
              This key has the viewer role: it can watch tasks and download their results, but not
              submit, cancel or retry. Ask an administrator for an operator key to do that.
            </p>
          )}
        </section>
        <section class="panel tasks-panel" aria-labelledby="tasks-heading">
          <div class="panel-head">
            <h2 id="tasks-heading">Tasks</h2>
            <TaskFilters filters={filters} onChange={changeFilters} />
          </div>
          {canOperate && (
            <BulkActions
              filters={filters}
              selected={[...selected]}
              onDone={() => {
                setSelected(new Set());
                page.refresh();
              }}
            />
          )}
          {page.error && (
            <p class="field-error" role="alert">
              Could not load the tasks: {page.error}. Trying again…
            </p>
          )}
          {page.newSinceFetch > 0 && (
            <p class="new-tasks">
              {formatNumber(page.newSinceFetch)} new task{page.newSinceFetch === 1 ? '' : 's'}{' '}
              <button
                type="button"
                class="link-button"
                onClick={() => setPaging((current) => ({ ...current, offset: 0 }))}
              >
                Go to the newest
              </button>
            </p>
          )}
          <TaskTable
            tasks={page.tasks}
            loaded={page.loaded}
            busy={!page.current}
            onChanged={showTask}
            onRetried={showRetry}
            selection={canOperate ? selection : undefined}
          />
          <Pagination
            total={page.total}
            totalIsLowerBound={page.totalIsLowerBound}
            shownOffset={page.shown?.offset ?? 0}
            shownCount={page.tasks.length}
            offset={paging.offset}
            limit={paging.limit}
            onChange={setPaging}
          />
        </section>
        <WorkersPanel />
        <QueuesPanel />
        <WebhooksPanel />
        {isAdmin && <AuditPanel />}
      </main>
      {route.taskId && <TaskDetailDialog id={route.taskId} onChanged={showTask} />}
    </NoticeProvider>
  );
}
