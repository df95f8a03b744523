import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { WEBHOOK_EVENTS, WebhookEvent } from './webhook.entity';

export class CreateWebhookDto {
  /** An http or https URL on a public address (unless WEBHOOK_ALLOW_PRIVATE=true). */
  @IsString({ message: 'url must be a string' })
  @MaxLength(2048, { message: 'url must be at most 2048 characters' })
  url!: string;

  /** Which outcomes to send: task.succeeded, task.failed, task.cancelled. */
  @IsArray({ message: 'events must be a list' })
  @ArrayMinSize(1, { message: 'events must name at least one event' })
  @ArrayMaxSize(WEBHOOK_EVENTS.length, { message: 'events must not repeat an event' })
  @IsIn(WEBHOOK_EVENTS, {
    each: true,
    message: `events must each be one of: ${WEBHOOK_EVENTS.join(', ')}`,
  })
  events!: WebhookEvent[];

  /** The signing secret; one of 256 random bits is generated when left out. */
  @IsOptional()
  @IsString({ message: 'secret must be a string' })
  @Matches(/^[\x21-\x7e]{16,256}$/, {
    message: 'secret must be 16 to 256 printable characters without spaces',
  })
  secret?: string;
}
