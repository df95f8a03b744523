import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ObjectStorage } from '../storage/object-storage';
import { StorageModule } from '../storage/storage.module';
import { FileRetention } from './file-retention.service';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';
import { TaskFilesController } from './task-files.controller';
import { SniffingUploadStorage } from './upload-storage';

@Module({})
export class FilesModule {
  /** The storage service everywhere; uploads, downloads and retention only where HTTP is served. */
  static forRoot({ http }: { http: boolean }): DynamicModule {
    return {
      module: FilesModule,
      global: true,
      imports: [StorageModule],
      controllers: http ? [FilesController, TaskFilesController] : [],
      providers: [
        FilesService,
        ...(http
          ? [
              FileRetention,
              {
                provide: SniffingUploadStorage,
                inject: [AppConfig, ObjectStorage, FilesService],
                useFactory: (config: AppConfig, storage: ObjectStorage, files: FilesService) =>
                  new SniffingUploadStorage(
                    storage,
                    { csv: config.uploads.maxCsvBytes, image: config.uploads.maxImageBytes },
                    files,
                  ),
              },
            ]
          : []),
      ],
      exports: [FilesService],
    };
  }
}
