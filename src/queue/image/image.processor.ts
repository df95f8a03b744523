import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonObject } from '../../database/task.entity';
import { ImageParamsDto } from '../../tasks/dto/params/image-params.dto';
import { TaskContext } from '../task-context';
import { TaskJobData } from '../task-job';
import { TaskFailure, TaskRunner } from '../task-runner.service';
import { TaskProcessor } from '../task.processor';
import { WORKER_OPTIONS } from '../worker-options';
import { generateTestImage } from './image-generate';
import { outputName, resizeImage } from './resize';

interface ImageOutcome {
  [key: string]: unknown;
  original_name: string;
  processed_name?: string;
  url?: string;
  processed_at?: string;
  error?: string;
}

@Processor('image_processing', WORKER_OPTIONS)
export class ImageProcessor extends TaskProcessor {
  protected readonly taskType = 'image_processing';

  constructor(runner: TaskRunner) {
    super(runner);
  }

  async process(job: Job<TaskJobData>, token?: string): Promise<void> {
    await this.runner.run(job, token, (params: ImageParamsDto, context) =>
      this.processImages(params, context),
    );
  }

  private async processImages(params: ImageParamsDto, context: TaskContext): Promise<JsonObject> {
    const count = params.num_images ?? 5;
    const outputs = join(context.workDir, 'outputs');
    await mkdir(outputs, { recursive: true });
    const images: ImageOutcome[] = [];
    for (let index = 1; index <= count; index++) {
      context.signal.throwIfAborted();
      const originalName = `test_image_${index}.jpg`;
      const name = outputName(`processed_${originalName}`, params.format ?? 'jpeg');
      try {
        const resized = await resizeImage(await generateTestImage(index), join(outputs, name), {
          width: params.target_width ?? 800,
          height: params.target_height ?? 600,
          fit: params.fit ?? 'cover',
          format: params.format ?? 'jpeg',
          quality: params.quality ?? 80,
        });
        images.push({
          original_name: originalName,
          processed_name: name,
          ...resized,
          url: `/api/tasks/${context.taskId}/files/${encodeURIComponent(name)}`,
          processed_at: new Date().toISOString(),
        });
      } catch (error) {
        images.push({ original_name: originalName, error: (error as Error).message });
      }
      context.onProgress((index / count) * 100);
    }
    const succeeded = images.filter((image) => image.error === undefined).length;
    const result = {
      total_images: count,
      processed_successfully: succeeded,
      failed: count - succeeded,
      images,
    };
    if (succeeded === 0) throw new TaskFailure('No image could be processed', result);
    return result;
  }
}
