// Entry for the TypeORM CLI (e.g. `npx typeorm-ts-node-commonjs migration:show -d ormconfig.ts`).
import { DataSource } from 'typeorm';
import { AppConfig } from './src/config/app-config';
import { validateEnv } from './src/config/env';
import { buildDataSourceOptions } from './src/database/data-source';

export default new DataSource(buildDataSourceOptions(new AppConfig(validateEnv(process.env))));
