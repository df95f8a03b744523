import type { Task } from '../api/types';
import { CsvResult } from './csv-result';
import { EmailResult } from './email-result';
import { ImageResult } from './image-result';

/** The result view for the task's type, and the raw JSON under it for anything it leaves out. */
export function TaskResult({ task }: { task: Task }) {
  const result = task.result_data;
  if (!result) return null;
  return (
    <>
      {task.task_type === 'csv_processing' && <CsvResult result={result} />}
      {task.task_type === 'email_sending' && <EmailResult result={result} />}
      {task.task_type === 'image_processing' && <ImageResult result={result} />}
      <details class="raw">
        <summary>Raw result (JSON)</summary>
        <pre>{JSON.stringify(result, null, 2)}</pre>
      </details>
    </>
  );
}
