import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { Subscription } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { TaskType } from '../core/task-type';
import { observeSqlRetries } from '../database/sql-retry';
import { EventBus } from '../events/event-bus.service';
import { BusEvent } from '../events/task-event';
import { MetricSnapshot } from './merge-metrics';

/** Seconds; from a small CSV (well under a second) to a long paced e-mail run. */
export const TASK_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const FINISHED = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);

/**
 * This process's own metrics (every role): the counters and histograms of what it did and
 * Node's default process metrics, each sample labelled with `process` and `role`. Submits and
 * finishes are counted from the task events this process publishes, the one place every
 * creation (submit, retry) and every final status (worker, cancel, recovery) passes.
 */
@Injectable()
export class ConveyorMetrics implements OnModuleInit, OnApplicationShutdown {
  readonly registry = new Registry();
  /** Unique per process start, like a worker's id; the key its snapshot is published under. */
  readonly processId: string;
  private readonly submitted: Counter<'task_type'>;
  private readonly finished: Counter<'task_type' | 'status'>;
  private readonly duration: Histogram<'task_type'>;
  private readonly sqlRetries: Counter;
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private subscription?: Subscription;

  constructor(
    config: AppConfig,
    private readonly bus: EventBus,
  ) {
    this.processId = `${config.role}:${hostname()}:${process.pid}`;
    this.registry.setDefaultLabels({ process: this.processId, role: config.role });
    const registers = [this.registry];
    this.submitted = new Counter({
      name: 'conveyor_tasks_submitted_total',
      help: 'Tasks created (submitted or retried), by type',
      labelNames: ['task_type'],
      registers,
    });
    this.finished = new Counter({
      name: 'conveyor_tasks_finished_total',
      help: 'Tasks that reached SUCCESS, FAILED or CANCELLED, by type and status',
      labelNames: ['task_type', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'conveyor_task_duration_seconds',
      help: "A task run's duration in a worker, from its start to SUCCESS or FAILED, by type",
      labelNames: ['task_type'],
      buckets: TASK_DURATION_BUCKETS,
      registers,
    });
    this.sqlRetries = new Counter({
      name: 'conveyor_sql_retries_total',
      help: 'SQL statements run again after a transient error (busy database, dropped connection)',
      registers,
    });
    this.http = new Histogram({
      name: 'conveyor_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  onModuleInit(): void {
    this.subscription = this.bus.publishedHere.subscribe((event) => this.count(event));
    observeSqlRetries(() => this.sqlRetries.inc());
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    observeSqlRetries(undefined);
  }

  /** A run that ended in SUCCESS or FAILED, timed in the worker. */
  taskRan(taskType: TaskType, seconds: number): void {
    this.duration.observe({ task_type: taskType }, seconds);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  snapshot(): Promise<MetricSnapshot> {
    return this.registry.getMetricsAsJSON();
  }

  private count(event: BusEvent): void {
    if (event.type === 'created') this.submitted.inc({ task_type: event.task_type });
    else if (event.type === 'status' && FINISHED.has(event.status))
      this.finished.inc({ task_type: event.task_type, status: event.status });
  }
}
