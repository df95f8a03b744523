import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { redisOptionsFromUrl } from '../config/redis-options';
import { TASK_TYPES, TaskType } from '../core/task-type';
import { Task } from '../database/task.entity';
import { queueNameOf, TaskJobData } from './task-job';
import { TaskQueueService } from './task-queue.service';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The producer on real BullMQ queues in a Redis prefix of its own. */
describe('TaskQueueService', () => {
  const prefix = `conveyor-unit-${randomBytes(6).toString('hex')}`;
  let queues: Record<TaskType, Queue<TaskJobData>>;
  let service: TaskQueueService;

  const taskOf = (taskType: TaskType): Task =>
    Object.assign(new Task(), { id: randomUUID(), taskType, inputParams: { n: 1 } });

  beforeAll(() => {
    Logger.overrideLogger(false);
    const config = new AppConfig(validateEnv({ REDIS_URL, CSV_ATTEMPTS: '4' }));
    queues = Object.fromEntries(
      TASK_TYPES.map((type) => [
        type,
        new Queue<TaskJobData>(queueNameOf(type), {
          connection: redisOptionsFromUrl(REDIS_URL),
          prefix,
        }),
      ]),
    ) as Record<TaskType, Queue<TaskJobData>>;
    service = new TaskQueueService(config, queues);
  });

  afterAll(async () => {
    for (const queue of Object.values(queues)) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it("adds a task's job to its type's queue, once, with the type's attempts", async () => {
    const task = taskOf('csv_processing');
    expect(await service.enqueue(task)).toBe(true);
    expect(await service.enqueue(task)).toBe(true);
    const job = await queues.csv_processing.getJob(task.id);
    expect(job?.data).toEqual({ taskType: 'csv_processing', params: { n: 1 } });
    expect(job?.opts.attempts).toBe(4);
    // Every task has a priority (5 by default), so its job waits in BullMQ's prioritised set.
    expect(await queues.csv_processing.getJobState(task.id)).toBe('prioritized');
    expect(job?.opts.priority).toBe(6);
    expect(await queues.email_sending.getJob(task.id)).toBeUndefined();
  });

  it("carries the task's timeout_seconds to its worker", async () => {
    const task = Object.assign(taskOf('image_processing'), { timeoutSeconds: 90 });
    expect(await service.enqueue(task)).toBe(true);
    expect((await queues.image_processing.getJob(task.id))?.data.timeoutSeconds).toBe(90);
  });

  it('tells a present job from a missing one, and finds the tasks without a job', async () => {
    const queued = taskOf('email_sending');
    const lost = taskOf('image_processing');
    await service.enqueue(queued);
    expect(await service.jobState(queued)).toBe('present');
    expect(await service.jobState(lost)).toBe('missing');
    expect(await service.withoutJob([queued, lost])).toEqual([lost]);
    expect(await service.withoutJob([])).toEqual([]);
  });

  it("gives the job the task's priority, and a SCHEDULED task's a delay until run_at", async () => {
    const urgent = Object.assign(taskOf('csv_processing'), { priority: 10 });
    const later = Object.assign(taskOf('csv_processing'), {
      priority: 0,
      status: 'SCHEDULED',
      runAt: new Date(Date.now() + 60_000),
    });
    await service.enqueue(urgent);
    await service.enqueue(later);
    const urgentJob = await queues.csv_processing.getJob(urgent.id);
    const laterJob = await queues.csv_processing.getJob(later.id);
    expect(urgentJob?.opts.priority).toBe(1);
    expect(urgentJob?.opts.delay ?? 0).toBe(0);
    expect(laterJob?.opts.priority).toBe(11);
    expect(laterJob?.opts.delay).toBeGreaterThan(50_000);
    expect(laterJob?.data.runAt).toBe(later.runAt.toISOString());
    expect(await queues.csv_processing.getJobState(later.id)).toBe('delayed');
    await service.remove(later.id, 'csv_processing');
    expect(await service.jobState(later)).toBe('missing');
  });

  it("adds many tasks' jobs, each on its own type's queue, whatever their order", async () => {
    const types: TaskType[] = [
      'csv_processing',
      'email_sending',
      'csv_processing',
      'csv_processing',
    ];
    const tasks = types.map(taskOf);
    expect(await service.enqueueMany(tasks)).toBe(true);
    for (const task of tasks) {
      expect((await queues[task.taskType].getJob(task.id))?.data.taskType).toBe(task.taskType);
      const other = task.taskType === 'csv_processing' ? 'email_sending' : 'csv_processing';
      expect(await queues[other].getJob(task.id)).toBeUndefined();
    }
  });

  it('removes a waiting job', async () => {
    const task = taskOf('image_processing');
    await service.enqueue(task);
    await service.remove(task.id, 'image_processing');
    expect(await service.jobState(task)).toBe('missing');
  });

  it('answers every queue, one per task type', () => {
    expect(
      service
        .allQueues()
        .map((queue) => queue.name)
        .sort(),
    ).toEqual([...TASK_TYPES].sort());
  });
});
