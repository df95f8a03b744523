import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export const IMAGE_FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type ImageFit = (typeof IMAGE_FITS)[number];
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export class ImageParamsDto {
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
  target_width?: number = 800;

  @IsOptional()
  @Min(1)
  @Max(8192)
  @IsInt()
  target_height?: number = 600;

  @IsOptional()
  @IsIn(IMAGE_FITS, { message: `fit must be one of: ${IMAGE_FITS.join(', ')}` })
  fit?: ImageFit = 'cover';

  @IsOptional()
  @IsIn(IMAGE_FORMATS, { message: `format must be one of: ${IMAGE_FORMATS.join(', ')}` })
  format?: ImageFormat = 'jpeg';

  @IsOptional()
  @Min(1)
  @Max(100)
  @IsInt()
  quality?: number = 80;
}

export function completeImageParams(params: ImageParamsDto): ImageParamsDto {
  return { ...params, num_images: params.num_images ?? 5 };
}
