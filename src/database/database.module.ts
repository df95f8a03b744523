import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { servesHttp } from '../config/app-role';
import { buildDataSourceOptions, ENTITIES, ensureSchema } from './data-source';
import { SchemaReady } from './schema-ready';
import { TaskStore } from './task-store';
import { WalCheckpointer } from './wal-checkpointer.service';

@Module({})
export class DatabaseModule {
  /** API instances apply migrations at start; worker-only processes wait for them. */
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => {
            const runMigrations = servesHttp(config.role);
            if (runMigrations) await ensureSchema(config);
            return buildDataSourceOptions(config, { runMigrations });
          },
        }),
        TypeOrmModule.forFeature(ENTITIES),
      ],
      providers: [SchemaReady, TaskStore, WalCheckpointer],
      exports: [TypeOrmModule, TaskStore],
    };
  }
}
