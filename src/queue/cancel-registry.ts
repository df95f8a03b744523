import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { EventBus } from '../events/event-bus.service';
import { TaskCancelledError } from './task-errors';

/** The AbortControllers of the tasks running in this process, aborted by cancel requests. */
@Injectable()
export class CancelRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly running = new Map<string, AbortController>();
  private subscription?: Subscription;

  constructor(private readonly bus: EventBus) {}

  onModuleInit(): void {
    this.subscription = this.bus.cancels.subscribe((taskId) => this.abort(taskId));
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /** How many tasks are running in this process. */
  get runningCount(): number {
    return this.running.size;
  }

  register(taskId: string): AbortController {
    const controller = new AbortController();
    this.running.set(taskId, controller);
    return controller;
  }

  unregister(taskId: string): void {
    this.running.delete(taskId);
  }

  abort(taskId: string): void {
    this.running.get(taskId)?.abort(new TaskCancelledError());
  }

  /** Aborts every running task with `reason`; returns how many there were. */
  abortAll(reason: Error): number {
    for (const controller of this.running.values()) controller.abort(reason);
    return this.running.size;
  }
}
