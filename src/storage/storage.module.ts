import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ObjectStorage } from './object-storage';
import { openStorage } from './open-storage';

/** The one ObjectStorage of the process (STORAGE_URL), injected wherever files are read or written. */
@Global()
@Module({
  providers: [
    {
      provide: ObjectStorage,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => openStorage(config.storage),
    },
  ],
  exports: [ObjectStorage],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(ObjectStorage) private readonly storage: ObjectStorage) {}

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}
