import { join } from 'node:path';
import { ChildProcesses } from '../../queue/child-processes';
import { ImageFormat } from './image.params';
import { ResizedImage, ResizeInput, resizeImage } from './resize';

const RESIZE_CHILD = join(__dirname, 'resize.child.js');

/**
 * Formats whose encoder ignores sharp's timeout: libvips stops a JPEG, PNG or WebP pipeline
 * itself, but hands AVIF's pixels to libheif, whose encode nothing interrupts (a 5120×3840 one
 * at quality 100 ran 34 s past a 1 s timeout, on libuv's threads, and held the process's exit
 * until it ended).
 */
const UNSTOPPABLE_ENCODES: ReadonlySet<ImageFormat> = new Set(['avif']);

/**
 * `resizeImage` for one task's images, stoppable by force: a format whose encode libvips cannot
 * stop runs in child processes, each killed when its run's `halt` aborts. The others run here:
 * libvips stops them itself, and a child would only add its start, a copy of each input and its
 * own memory. `close` when the task ends.
 */
export class KillableResizer {
  private readonly children?: ChildProcesses<ResizeInput, ResizedImage>;

  constructor(format: ImageFormat) {
    if (UNSTOPPABLE_ENCODES.has(format)) this.children = new ChildProcesses(RESIZE_CHILD);
  }

  resize(resize: ResizeInput, halt?: AbortSignal): Promise<ResizedImage> {
    return this.children
      ? this.children.run(resize, halt)
      : resizeImage(resize.input, resize.output, resize.spec, resize.thumbnailOutput);
  }

  close(): void {
    this.children?.close();
  }
}
