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
import type { FileReference } from '../../../files/files.service';
import { IsResourceId } from '../../resource-id';
import { NotWith } from './not-with';

export const IMAGE_FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type ImageFit = (typeof IMAGE_FITS)[number];
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

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
  return params.file_ids ? params : { ...params, num_images: params.num_images ?? 5 };
}

export const imageFileReferences = (params: ImageParamsDto): FileReference[] =>
  (params.file_ids ?? []).map((id, index) => ({ loc: ['file_ids', index], id, kind: 'image' }));
