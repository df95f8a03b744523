import type createSharp from 'sharp';
import type { Sharp, SharpInput, SharpOptions } from 'sharp';

type SharpModule = typeof createSharp;
let loaded: SharpModule | undefined;

/**
 * sharp, required on the first call: loading it maps libvips and its codecs, about 20 MB of
 * resident memory, which a worker that never runs an image task should not carry.
 */
export function sharp(input?: SharpInput | SharpInput[], options?: SharpOptions): Sharp {
  // A static import would load it at start-up; import() would make every call site async.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('sharp') as SharpModule;
  return loaded(input, options);
}
