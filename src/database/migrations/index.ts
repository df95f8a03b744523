import { CreateTasks1764300000000 } from './1764300000000-create-tasks';
import { CreateEmailDeliveries1764300000001 } from './1764300000001-create-email-deliveries';
import { CreateFiles1764300000002 } from './1764300000002-create-files';
import { CountTasks1764300000003 } from './1764300000003-count-tasks';
import { AddTaskHeartbeat1764300000004 } from './1764300000004-add-task-heartbeat';
import { IndexRetryOf1764300000013 } from './1764300000013-index-retry-of';
import { Identity1764500000000 } from './1764500000000-identity';
import { CountTasksPerProject1764500000001 } from './1764500000001-count-tasks-per-project';
import { AddTaskOutputBytes1764500000002 } from './1764500000002-add-task-output-bytes';
import { AddTaskTimeout1764600000000 } from './1764600000000-add-task-timeout';
import { TaskPriorityAndRunAt1764600000100 } from './1764600000100-task-priority-and-run-at';
import { Schedules1764600000200 } from './1764600000200-schedules';
import { IdempotencyKeys1764600000300 } from './1764600000300-idempotency-keys';
import { SearchTasks1764600000400 } from './1764600000400-search-tasks';
import { IndexFinishedTasks1764600000500 } from './1764600000500-index-finished-tasks';
import { CreateTaskLogs1764600000600 } from './1764600000600-create-task-logs';
import { Webhooks1764600000700 } from './1764600000700-webhooks';
import { TextIndexOnTextChange1764600000800 } from './1764600000800-text-index-on-text-change';
import { TaskRemovals1764600000900 } from './1764600000900-task-removals';
import { PendingUploads1764600001000 } from './1764600001000-pending-uploads';
import { CountSlotPerTransaction1764700000000 } from './1764700000000-count-slot-per-transaction';
import { CountTasksPerStatement1764800000000 } from './1764800000000-count-tasks-per-statement';
import { PartialStatusIndexes1764900000000 } from './1764900000000-partial-status-indexes';

/** Every migration, in order; listed explicitly so the build needs no glob at run time. */
export const MIGRATIONS = [
  CreateTasks1764300000000,
  CreateEmailDeliveries1764300000001,
  CreateFiles1764300000002,
  CountTasks1764300000003,
  AddTaskHeartbeat1764300000004,
  IndexRetryOf1764300000013,
  Identity1764500000000,
  CountTasksPerProject1764500000001,
  AddTaskOutputBytes1764500000002,
  AddTaskTimeout1764600000000,
  TaskPriorityAndRunAt1764600000100,
  Schedules1764600000200,
  IdempotencyKeys1764600000300,
  SearchTasks1764600000400,
  IndexFinishedTasks1764600000500,
  CreateTaskLogs1764600000600,
  Webhooks1764600000700,
  TextIndexOnTextChange1764600000800,
  TaskRemovals1764600000900,
  PendingUploads1764600001000,
  CountSlotPerTransaction1764700000000,
  CountTasksPerStatement1764800000000,
  PartialStatusIndexes1764900000000,
];
