import { DynamicModule, Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
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
      imports: [
        StorageModule,
        ...(http
          ? [
              MulterModule.registerAsync({
                inject: [AppConfig, ObjectStorage, FilesService],
                useFactory: (config: AppConfig, storage: ObjectStorage, files: FilesService) => {
                  const { maxCsvBytes, maxImageBytes } = config.uploads;
                  return {
                    storage: new SniffingUploadStorage(
                      storage,
                      { csv: maxCsvBytes, image: maxImageBytes },
                      files,
                    ),
                    limits: {
                      files: 1,
                      fields: 0,
                      parts: 1,
                      fileSize: Math.max(maxCsvBytes, maxImageBytes) + 1,
                    },
                  };
                },
              }),
            ]
          : []),
      ],
      controllers: http ? [FilesController, TaskFilesController] : [],
      providers: [FilesService, ...(http ? [FileRetention] : [])],
      exports: [FilesService],
    };
  }
}
