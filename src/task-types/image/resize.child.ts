import { serveChildTask } from '../../queue/child-process-task';
import { ResizeInput, resizeImage } from './resize';

/** The child-process entry of a resize whose encoder libvips cannot stop (see killable-resize). */
serveChildTask(({ input, output, spec, thumbnailOutput }: ResizeInput) =>
  resizeImage(input, output, spec, thumbnailOutput),
);
