import { withoutInternals } from '../../core/public-text';
import type { Sharp } from 'sharp';
import { sharp } from './lazy-sharp';
import { ImageFit, ImageFormat } from './image.params';

/** Refuse images above this many pixels (about 16k x 16k): a guard against decompression bombs. */
export const MAX_INPUT_PIXELS = 268_402_689;
/** No side of an output is more than this many times the same side of its source. */
export const MAX_ENLARGEMENT = 4;
/** No output has more pixels than this (100 megapixels). */
export const MAX_OUTPUT_PIXELS = 100_000_000;

export interface ResizeSpec {
  width: number;
  height: number;
  fit: ImageFit;
  format: ImageFormat;
  quality: number;
  /** Epoch ms by which libvips must give up (the task's timeout plus its grace); none if unset. */
  stopBy?: number;
}

/**
 * sharp's `timeout` for work that must end by `stopBy`: whole seconds, at least 1 (0 would mean
 * none), at most MAX_VIPS_TIMEOUT_SECONDS. libvips checks it while it computes pixels and kills the
 * pipeline, which a JavaScript signal cannot do to an encode already running on its threads.
 */
export function vipsTimeout(stopBy: number | undefined, now = Date.now()): { seconds: number } {
  if (stopBy === undefined) return { seconds: 0 };
  const left = Math.ceil((stopBy - now) / 1000);
  return { seconds: Math.min(MAX_VIPS_TIMEOUT_SECONDS, Math.max(1, left)) };
}

/** sharp takes at most an hour: no single image's pipeline runs longer, whatever the timeout. */
export const MAX_VIPS_TIMEOUT_SECONDS = 3600;

/** One resize's arguments, as one value that can cross to a child process. */
export interface ResizeInput {
  input: string | Buffer;
  output: string;
  spec: ResizeSpec;
  thumbnailOutput?: string;
}

export interface ResizedImage {
  original_size: string;
  new_size: string;
  file_size_kb: number;
  format: ImageFormat;
  /** Present when the output was made smaller than asked, naming the limit that applied. */
  size_limited_by?: string;
}

interface Size {
  width: number;
  height: number;
}

const EXTENSIONS: Record<ImageFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
};

/** The output's file name: the input's base name, made safe, with the format's extension. */
export function outputName(originalName: string, format: ImageFormat): string {
  const base =
    originalName
      .replace(/\.[^./\\]*$/, '')
      .replace(/[^\w.-]+/g, '_')
      .replace(/^[._]+/, '') || 'image';
  return `${base.slice(0, 100)}.${EXTENSIONS[format]}`;
}

/**
 * The size sharp will produce for `fit`: cover, contain and fill give exactly the target;
 * inside and outside keep the aspect ratio, within or around the target box.
 */
export function expectedSize(
  source: { width: number; height: number },
  target: { width: number; height: number },
  fit: ImageFit,
): { width: number; height: number } {
  if (fit === 'cover' || fit === 'contain' || fit === 'fill') return target;
  const scaleW = target.width / source.width;
  const scaleH = target.height / source.height;
  const scale = fit === 'inside' ? Math.min(scaleW, scaleH) : Math.max(scaleW, scaleH);
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
}

/**
 * The target box to ask sharp for so that the output stays within MAX_ENLARGEMENT per side and
 * MAX_OUTPUT_PIXELS: the requested box when it already does, else that box scaled down as a
 * whole (its proportions kept) until the output fits, with the limit that applied. A 1x10 image
 * with fit outside at 2048x2048 would otherwise come out 2048x20480 (222 MiB).
 */
export function boundedTarget(
  source: Size,
  target: Size,
  fit: ImageFit,
): { target: Size; limitedBy?: string } {
  const wanted = expectedSize(source, target, fit);
  const byEnlargement = Math.min(
    (MAX_ENLARGEMENT * source.width) / wanted.width,
    (MAX_ENLARGEMENT * source.height) / wanted.height,
  );
  const byPixels = Math.sqrt(MAX_OUTPUT_PIXELS / (wanted.width * wanted.height));
  const factor = Math.min(byEnlargement, byPixels);
  if (factor >= 1) return { target };
  const scaled = {
    width: Math.max(1, Math.floor(target.width * factor)),
    height: Math.max(1, Math.floor(target.height * factor)),
  };
  return {
    target: scaled,
    limitedBy:
      byEnlargement <= byPixels
        ? `at most ${MAX_ENLARGEMENT}x the source on each side`
        : `at most ${MAX_OUTPUT_PIXELS / 1_000_000} megapixels`,
  };
}

/**
 * Resizes one image file, and makes its thumbnail when `thumbnailOutput` is given: EXIF
 * orientation applied, metadata stripped, input pixel limit enforced, and the output kept
 * within the enlargement and output pixel limits. The output is encoded straight to its file
 * and the thumbnail read back from it. Holding the resized pixels in a Buffer to encode both
 * from them saved a decode, but each such Buffer (1.4 MB for 800x600) counts as external memory
 * that drives V8 to full collections: in a process with a large heap (a worker that has just
 * analysed a big CSV) that cost 27-40 ms of CPU per image instead of 19-22.
 */
export async function resizeImage(
  input: string | Buffer,
  output: string,
  spec: ResizeSpec,
  thumbnailOutput?: string,
): Promise<ResizedImage> {
  const image = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .timeout(vipsTimeout(spec.stopBy));
  const metadata = await image.metadata();
  const oriented = (metadata.orientation ?? 1) >= 5;
  const width = oriented ? metadata.height : metadata.width;
  const height = oriented ? metadata.width : metadata.height;
  const { target, limitedBy } = boundedTarget(
    { width, height },
    { width: spec.width, height: spec.height },
    spec.fit,
  );
  const info = await image
    .resize(target.width, target.height, { fit: spec.fit })
    .toFormat(spec.format, { quality: spec.quality })
    .toFile(output);
  if (thumbnailOutput !== undefined) await makeThumbnail(output, thumbnailOutput, spec.stopBy);
  return {
    original_size: `${width}x${height}`,
    new_size: `${info.width}x${info.height}`,
    file_size_kb: Math.round((info.size / 1024) * 100) / 100,
    format: spec.format,
    ...(limitedBy ? { size_limited_by: limitedBy } : {}),
  };
}

/** `name`, or `name` with -2, -3… before its extension when already taken; records the pick. */
export function uniqueName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${stem}-${n}${extension}`;
  taken.add(candidate);
  return candidate;
}

export const thumbnailName = (name: string): string => `${name.replace(/\.[^.]*$/, '')}.thumb.webp`;

/** How hard libwebp searches for a smaller encoding of a thumbnail (0 fastest, 6 slowest). */
export const THUMBNAIL_EFFORT = 0;

/**
 * A small WebP preview, at most 256 px on its longer side, for the dashboard. At the default
 * effort (4) the thumbnail took half as much CPU again as the resize it follows; effort 0 halves
 * that, and at 256 px the file is about as small (6.7 KiB against 6.6 KiB for a photo-like image).
 */
export async function makeThumbnail(input: string, output: string, stopBy?: number): Promise<void> {
  await thumbnail(sharp(input), output, stopBy);
}

async function thumbnail(source: Sharp, output: string, stopBy?: number): Promise<void> {
  await source
    .timeout(vipsTimeout(stopBy))
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70, effort: THUMBNAIL_EFFORT })
    .toFile(output);
}

/** sharp's message for an image it refused, in words a user can act on. */
export function describeImageError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return `The image is larger than the ${MAX_INPUT_PIXELS.toLocaleString('en-US')}-pixel limit (a guard against decompression bombs)`;
  }
  if (
    /unsupported image format|corrupt|premature end|VipsJpeg|bad seek|read error|truncated/i.test(
      message,
    )
  ) {
    return `The image could not be decoded (corrupt or truncated): ${withoutInternals(message)}`;
  }
  return withoutInternals(message);
}
