import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRetention } from './idempotency-retention.service';
import { IdempotencyService } from './idempotency.service';

/** Idempotency keys for the routes that create things (API role only). */
@Module({
  providers: [IdempotencyService, IdempotencyRetention, IdempotencyInterceptor],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}
