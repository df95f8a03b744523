import { Processor } from '@nestjs/bullmq';
import { JsonObject } from '../../core/json';
import { FilesService } from '../../files/files.service';
import { ObjectStorage, StoredObjectMissingError } from '../../storage/object-storage';
import { outputKey, outputUrl, uploadKey } from '../../storage/storage-keys';
import { ImageParams } from './image.params';
import { TaskContext } from '../../queue/task-context';
import { queueNameOf } from '../../queue/task-job';
import { TaskFailure } from '../../queue/task-errors';
import { TaskProcessor } from '../../queue/task.processor';
import { WORKER_OPTIONS } from '../../queue/worker-options';
import { generateTestImage } from './image-generate';
import { inLanes } from './in-lanes';
import { describeImageError, outputName, thumbnailName, uniqueName } from './resize';
import { KillableResizer } from './killable-resize';

/**
 * Images of one task resized at once. sharp runs each pipeline on one libvips thread here (its
 * default on glibc), so one image at a time kept a lone task on one core.
 */
export const IMAGES_AT_ONCE = 2;

interface ImageSource {
  originalName: string;
  /** The upload it came from; none for a generated test image. */
  fileId?: string;
  /** Hands `work` the image: a local file (a temporary copy of a stored object) or bytes. */
  withInput: <T>(work: (input: string | Buffer) => Promise<T>) => Promise<T>;
}

interface ImageOutcome {
  [key: string]: unknown;
  original_name: string;
  file_id?: string;
  processed_name?: string;
  url?: string;
  thumbnail_url?: string;
  processed_at?: string;
  error?: string;
}

@Processor(queueNameOf('image_processing'), WORKER_OPTIONS)
export class ImageProcessor extends TaskProcessor<ImageParams> {
  constructor(
    private readonly files: FilesService,
    private readonly storage: ObjectStorage,
  ) {
    super();
  }

  /** The images to resize; a file named more than once is resized once. */
  private async sources(params: ImageParams): Promise<ImageSource[]> {
    if (params.file_ids !== undefined) {
      return Promise.all(
        [...new Set(params.file_ids)].map(async (id) => {
          const file = await this.files.get(id);
          return {
            originalName: file.filename,
            fileId: file.id,
            // sharp reads files: a stored object is copied to a temporary file first (the
            // disk store hands its own file), which bounds memory whatever the image's size.
            withInput: <T>(work: (input: string) => Promise<T>) =>
              this.storage.withLocalCopy(uploadKey(file.id), work),
          };
        }),
      );
    }
    return Array.from({ length: params.num_images }, (_, i) => ({
      originalName: `test_image_${i + 1}.jpg`,
      withInput: async <T>(work: (input: Buffer) => Promise<T>) =>
        work(await generateTestImage(i + 1)),
    }));
  }

  /**
   * Each image on its own, IMAGES_AT_ONCE at a time: a corrupt one is listed with its error and
   * the others go on; the result lists them in the order given.
   */
  protected async handle(params: ImageParams, context: TaskContext): Promise<JsonObject> {
    const sources = await this.sources(params);
    const { format } = params;
    const spec = {
      width: params.target_width,
      height: params.target_height,
      fit: params.fit,
      format,
      quality: params.quality,
      stopBy: context.stopBy,
    };
    const taken = new Set<string>();
    // Named up front, in input order: the same inputs give the same names whichever image
    // finishes first, so a re-delivered task overwrites its own outputs.
    const names = sources.map((source) =>
      uniqueName(outputName(`processed_${source.originalName}`, format), taken),
    );
    const urlOf = (name: string): string => outputUrl(context.taskId, name);
    const keyOf = (name: string): string => outputKey(context.taskId, name);
    const images: ImageOutcome[] = new Array<ImageOutcome>(sources.length);
    let finished = 0;
    context.log(
      'info',
      `Resizing ${sources.length} image(s) to ${spec.width}×${spec.height} ${format}`,
    );
    const resizer = new KillableResizer(format);
    await inLanes(sources.length, IMAGES_AT_ONCE, async (index) => {
      context.signal.throwIfAborted();
      const source = sources[index];
      const name = names[index];
      try {
        const thumbnail = thumbnailName(name);
        // Written locally (in place on the disk store), then stored; the thumbnail is made from
        // the written output.
        const resized = await this.storage.writeLocally(keyOf(name), (output) =>
          this.storage.writeLocally(keyOf(thumbnail), (thumbnailPath) =>
            source.withInput((input) =>
              resizer.resize({ input, output, spec, thumbnailOutput: thumbnailPath }, context.halt),
            ),
          ),
        );
        images[index] = {
          original_name: source.originalName,
          ...(source.fileId ? { file_id: source.fileId } : {}),
          processed_name: name,
          ...resized,
          url: urlOf(name),
          thumbnail_url: urlOf(thumbnail),
          processed_at: new Date().toISOString(),
        };
        context.log('info', `${source.originalName}: done as ${name}`);
      } catch (error) {
        images[index] = {
          original_name: source.originalName,
          ...(source.fileId ? { file_id: source.fileId } : {}),
          error:
            error instanceof StoredObjectMissingError
              ? 'The uploaded file is no longer in storage (removed outside Conveyor); upload it again'
              : describeImageError(error),
        };
        context.log('warn', `${source.originalName}: failed: ${images[index].error}`);
      }
      context.onProgress((++finished / sources.length) * 100);
    }).finally(() => resizer.close());
    const succeeded = images.filter((image) => image.error === undefined).length;
    const result = {
      total_images: sources.length,
      duplicates_removed: (params.file_ids?.length ?? sources.length) - sources.length,
      processed_successfully: succeeded,
      failed: sources.length - succeeded,
      images,
    };
    if (succeeded === 0) throw new TaskFailure('No image could be processed', result);
    return result;
  }
}
