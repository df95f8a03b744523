import { JsonObject } from '../../core/json';

/** What the dashboard needs to build a task type's form without copying the API's rules. */
export class TaskTypeResponse {
  /** The value each optional field takes when left out. */
  defaults!: JsonObject;
  /** The allowed values of the fields that take one of a list. */
  choices!: Record<string, readonly string[]>;
}
