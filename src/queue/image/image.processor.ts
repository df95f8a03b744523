import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonObject } from '../../database/task.entity';
import { FilesService } from '../../files/files.service';
import { ImageParamsDto } from '../../tasks/dto/params/image-params.dto';
import { TaskContext } from '../task-context';
import { TaskJobData } from '../task-job';
import { TaskFailure, TaskRunner } from '../task-runner.service';
import { TaskProcessor } from '../task.processor';
import { WORKER_OPTIONS } from '../worker-options';
import { generateTestImage } from './image-generate';
import {
  describeImageError,
  makeThumbnail,
  outputName,
  resizeImage,
  thumbnailName,
  uniqueName,
} from './resize';

interface ImageSource {
  originalName: string;
  input: () => Promise<string | Buffer>;
}

interface ImageOutcome {
  [key: string]: unknown;
  original_name: string;
  processed_name?: string;
  url?: string;
  thumbnail_url?: string;
  processed_at?: string;
  error?: string;
}

@Processor('image_processing', WORKER_OPTIONS)
export class ImageProcessor extends TaskProcessor {
  protected readonly taskType = 'image_processing';

  constructor(
    runner: TaskRunner,
    private readonly files: FilesService,
  ) {
    super(runner);
  }

  async process(job: Job<TaskJobData>, token?: string): Promise<void> {
    await this.runner.run(job, token, (params: ImageParamsDto, context) =>
      this.processImages(params, context),
    );
  }

  private async sources(params: ImageParamsDto): Promise<ImageSource[]> {
    if (params.file_ids) {
      return Promise.all(
        params.file_ids.map(async (id) => {
          const file = await this.files.get(id);
          return { originalName: file.filename, input: async () => this.files.pathOf(id) };
        }),
      );
    }
    return Array.from({ length: params.num_images ?? 5 }, (_, i) => ({
      originalName: `test_image_${i + 1}.jpg`,
      input: () => generateTestImage(i + 1),
    }));
  }

  /** Each image on its own: a corrupt one is listed with its error and the others go on. */
  private async processImages(params: ImageParamsDto, context: TaskContext): Promise<JsonObject> {
    const sources = await this.sources(params);
    const outputs = join(context.workDir, 'outputs');
    await mkdir(outputs, { recursive: true });
    const format = params.format ?? 'jpeg';
    const taken = new Set<string>();
    const urlOf = (name: string): string =>
      `/api/tasks/${context.taskId}/files/${encodeURIComponent(name)}`;
    const images: ImageOutcome[] = [];
    for (const [index, source] of sources.entries()) {
      context.signal.throwIfAborted();
      // Same inputs give the same names, so a re-delivered task overwrites its own outputs.
      const name = uniqueName(outputName(`processed_${source.originalName}`, format), taken);
      try {
        const output = join(outputs, name);
        const resized = await resizeImage(await source.input(), output, {
          width: params.target_width ?? 800,
          height: params.target_height ?? 600,
          fit: params.fit ?? 'cover',
          format,
          quality: params.quality ?? 80,
        });
        const thumbnail = thumbnailName(name);
        await makeThumbnail(output, join(outputs, thumbnail));
        images.push({
          original_name: source.originalName,
          processed_name: name,
          ...resized,
          url: urlOf(name),
          thumbnail_url: urlOf(thumbnail),
          processed_at: new Date().toISOString(),
        });
      } catch (error) {
        images.push({ original_name: source.originalName, error: describeImageError(error) });
      }
      context.onProgress(((index + 1) / sources.length) * 100);
    }
    const succeeded = images.filter((image) => image.error === undefined).length;
    const result = {
      total_images: sources.length,
      processed_successfully: succeeded,
      failed: sources.length - succeeded,
      images,
    };
    if (succeeded === 0) throw new TaskFailure('No image could be processed', result);
    return result;
  }
}
