/** A JSON object as stored in a task's input_params and result_data columns. */
export type JsonObject = Record<string, unknown>;
