import { threadTask } from '../../queue/thread-task';
import { CsvRunInput, runCsvAnalysis } from './csv-run';

/** The worker-thread entry of a large CSV run (see ThreadPool). */
export default threadTask<CsvRunInput>(runCsvAnalysis);
