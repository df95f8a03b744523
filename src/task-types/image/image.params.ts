import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
} from 'class-validator';
import { ValidationProblem } from '../../core/validation-problem';
import type { FileReference } from '../../files/files.service';
import { IsResourceId } from '../is-resource-id';
import { NotWith } from '../not-with';

export const IMAGE_FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type ImageFit = (typeof IMAGE_FITS)[number];
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/**
 * The most output pixels one task may ask for: target_width x target_height x its images (each
 * file counted once). 250 megapixels is 100 images at 1920x1080, or three at 8192x8192.
 */
export const MAX_TASK_OUTPUT_PIXELS = 250_000_000;

/** The defaults of the fields a submit may leave out: the one place they are written. */
export const IMAGE_DEFAULTS = {
  num_images: 5,
  target_width: 800,
  target_height: 600,
  fit: 'cover',
  format: 'jpeg',
  quality: 80,
} as const satisfies Record<string, unknown>;

export class ImageParamsDto {
  /** Uploaded images (POST /api/files), 1 to 100. */
  @IsOptional()
  @NotWith('num_images', 'give either file_ids or num_images, not both')
  @IsResourceId({
    each: true,
    message: 'each of file_ids must be a file_id answered by POST /api/files',
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsArray()
  file_ids?: string[];

  /** Generated test images to resize (used when no files are given). */
  @IsOptional()
  @Min(1)
  @Max(100)
  @IsInt()
  num_images?: number;

  @IsOptional()
  @Min(1)
  @Max(8192)
  @IsInt()
  target_width?: number = IMAGE_DEFAULTS.target_width;

  @IsOptional()
  @Min(1)
  @Max(8192)
  @IsInt()
  target_height?: number = IMAGE_DEFAULTS.target_height;

  @IsOptional()
  @IsIn(IMAGE_FITS, { message: `fit must be one of: ${IMAGE_FITS.join(', ')}` })
  fit?: ImageFit = IMAGE_DEFAULTS.fit;

  @IsOptional()
  @IsIn(IMAGE_FORMATS, { message: `format must be one of: ${IMAGE_FORMATS.join(', ')}` })
  format?: ImageFormat = IMAGE_DEFAULTS.format;

  @IsOptional()
  @Min(1)
  @Max(100)
  @IsInt()
  quality?: number = IMAGE_DEFAULTS.quality;
}

/** The params an image task runs with: every default applied, and either files or a count. */
export type ImageParams = {
  target_width: number;
  target_height: number;
  fit: ImageFit;
  format: ImageFormat;
  quality: number;
} & ({ file_ids: string[]; num_images?: undefined } | { file_ids?: undefined; num_images: number });

/**
 * Refuses a task whose requested output, box size times images, is over MAX_TASK_OUTPUT_PIXELS.
 * Runs on params the decorators may not have accepted, so it looks only at well-formed fields.
 */
export function imageCostProblems(params: ImageParamsDto): ValidationProblem[] {
  const width = params.target_width ?? IMAGE_DEFAULTS.target_width;
  const height = params.target_height ?? IMAGE_DEFAULTS.target_height;
  const fromFiles = Array.isArray(params.file_ids);
  const images = fromFiles
    ? new Set(params.file_ids).size
    : (params.num_images ?? IMAGE_DEFAULTS.num_images);
  if (![width, height, images].every((n) => Number.isInteger(n) && n > 0)) return [];
  const pixels = width * height * images;
  if (pixels <= MAX_TASK_OUTPUT_PIXELS) return [];
  const most = Math.floor(MAX_TASK_OUTPUT_PIXELS / (width * height));
  return [
    {
      loc: [fromFiles ? 'file_ids' : 'num_images'],
      msg:
        `${images} images at ${width}x${height} are ${(pixels / 1e6).toFixed(0)} megapixels; ` +
        `a task may ask for at most ${MAX_TASK_OUTPUT_PIXELS / 1e6} megapixels of output ` +
        `(at this size, at most ${most} images), so split it or ask for a smaller size`,
      type: 'value_error.too_many_pixels',
    },
  ];
}

/** Applies the defaults, including those that depend on other fields, after validation. */
export function resolveImageParams(params: ImageParamsDto): ImageParams {
  const settings = {
    target_width: params.target_width ?? IMAGE_DEFAULTS.target_width,
    target_height: params.target_height ?? IMAGE_DEFAULTS.target_height,
    fit: params.fit ?? IMAGE_DEFAULTS.fit,
    format: params.format ?? IMAGE_DEFAULTS.format,
    quality: params.quality ?? IMAGE_DEFAULTS.quality,
  };
  return params.file_ids !== undefined
    ? { file_ids: params.file_ids, ...settings }
    : { num_images: params.num_images ?? IMAGE_DEFAULTS.num_images, ...settings };
}

export const imageFileReferences = (params: ImageParamsDto): FileReference[] =>
  (params.file_ids ?? []).map((id, index) => ({ loc: ['file_ids', index], id, kind: 'image' }));
