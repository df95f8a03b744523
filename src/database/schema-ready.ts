import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

const WAIT_FOR_SCHEMA_MS = 120_000;

/**
 * Workers never migrate (an API instance does); a worker that starts first waits here until
 * the schema is current instead of failing on a missing table.
 */
@Injectable()
export class SchemaReady implements OnModuleInit {
  private readonly logger = new Logger(SchemaReady.name);

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const deadline = Date.now() + WAIT_FOR_SCHEMA_MS;
    while (await this.dataSource.showMigrations()) {
      if (Date.now() > deadline) {
        throw new Error(
          'The database schema is not migrated. Start an API instance (APP_ROLE=api or all) first: it applies the migrations.',
        );
      }
      this.logger.warn('Waiting for an API instance to apply the database migrations');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
