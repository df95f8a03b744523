import { join } from 'node:path';
import { runInChildProcess } from '../../queue/child-process-run';
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
 * `resizeImage`, stoppable by force: a format whose encode libvips cannot stop runs in a child
 * process, killed when `halt` aborts; the others run here, where a fork would cost more than
 * their whole resize.
 */
export function resizeKillably(resize: ResizeInput, halt?: AbortSignal): Promise<ResizedImage> {
  if (!UNSTOPPABLE_ENCODES.has(resize.spec.format)) {
    return resizeImage(resize.input, resize.output, resize.spec, resize.thumbnailOutput);
  }
  return runInChildProcess<ResizeInput, ResizedImage>(RESIZE_CHILD, resize, halt);
}
