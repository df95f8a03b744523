import { appendFileSync } from 'node:fs';
import { TEST_DATABASE, TestDatabase } from './databases';
import { ServiceProcess } from './start-service';
import { duplicateSuccesses } from './success-logs';
import { Settlement } from './task-rows';

/** One scenario's figures, as the reliability table shows them; null where one does not apply. */
export interface FaultRow {
  scenario: string;
  database: TestDatabase;
  /** Tasks accepted (or, for bad input, requests sent). */
  tasks: number;
  lost: number | null;
  stuck: number | null;
  /** Side effects that happened more than once: mails received twice, results written twice. */
  duplicated: number | null;
  reExecutions: number | null;
  /** From the end of the fault to the last task finished. */
  recoveryMs: number | null;
  notes?: string;
}

const LOG_LINES_ON_FAILURE = 80;
const STDERR_CHARS_ON_FAILURE = 4_000;

const show = (value: number | null): string => (value === null ? '–' : String(value));

/**
 * Prints the row, and appends it as a JSON line to the file named by CONVEYOR_FAULT_REPORT when
 * that is set (`npm run test:faults` sets it and builds the table from the lines).
 */
export function recordFaultRow(row: FaultRow): void {
  const recovery = row.recoveryMs === null ? '–' : `${(row.recoveryMs / 1000).toFixed(1)} s`;
  console.log(
    `[fault] ${row.scenario} (${row.database}): tasks ${row.tasks}, lost ${show(row.lost)}, ` +
      `stuck ${show(row.stuck)}, duplicated ${show(row.duplicated)}, ` +
      `re-executions ${show(row.reExecutions)}, recovered in ${recovery}` +
      (row.notes ? `; ${row.notes}` : ''),
  );
  const file = process.env.CONVEYOR_FAULT_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/**
 * Records the row of a scenario whose tasks were counted by settleTasks: duplicated side effects
 * are the tasks that the given processes logged as succeeded more than once, and the time to
 * recover runs from `since` (the end of the fault) to the settlement.
 */
export function recordSettlement(
  scenario: string,
  settled: Settlement,
  {
    ids,
    processes,
    since,
    notes,
  }: { ids: string[]; processes: ServiceProcess[]; since: number; notes?: string },
): void {
  recordFaultRow({
    scenario,
    database: TEST_DATABASE,
    tasks: ids.length,
    lost: settled.lost.length,
    stuck: settled.stuck.length,
    duplicated: duplicateSuccesses(processes, ids),
    reExecutions: settled.reExecutions,
    recoveryMs: settled.settledAt - since,
    notes,
  });
  if (settled.stuck.length > 0 || settled.lost.length > 0) printProcessReport(scenario, processes);
}

/** What each process's last report showed, so that a failing test does not print it twice. */
const lastReported = new WeakMap<ServiceProcess, string>();

/**
 * Prints, for each process, whether it still runs, what it wrote to stderr and its last log
 * lines. The processes and their logs are gone once the suite stops, and these are the only
 * clues to why tasks stayed unfinished: a process that hung and one that died leave the same
 * last log line.
 */
export function printProcessReport(scenario: string, processes: ServiceProcess[]): void {
  for (const [index, process] of processes.entries()) {
    const name = `process ${index + 1} of ${processes.length} (pid ${process.child.pid})`;
    const snapshot = `${process.state()} after ${process.logs().length} log lines`;
    if (lastReported.get(process) === snapshot) {
      console.log(`[fault] ${scenario}: ${name}: as reported above, nothing new since`);
      continue;
    }
    lastReported.set(process, snapshot);
    const stderr = process.stderr().slice(-STDERR_CHARS_ON_FAILURE).trim();
    console.log(
      `[fault] ${scenario}: ${name} is ${process.state()}; its stderr: ` +
        (stderr ? `\n${stderr}` : '(empty)') +
        `\nits last log lines:\n` +
        process
          .logs()
          .slice(-LOG_LINES_ON_FAILURE)
          .map((line) => JSON.stringify(line))
          .join('\n'),
    );
  }
}
