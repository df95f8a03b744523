import { DynamicModule, Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { FileRetention } from './file-retention.service';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';
import { StoragePaths } from './storage-paths';
import { TaskFilesController } from './task-files.controller';
import { SniffingDiskStorage } from './upload-storage';

@Module({})
export class FilesModule {
  /** The storage service everywhere; uploads, downloads and retention only where HTTP is served. */
  static forRoot({ http }: { http: boolean }): DynamicModule {
    return {
      module: FilesModule,
      global: true,
      imports: http
        ? [
            MulterModule.registerAsync({
              inject: [AppConfig],
              useFactory: (config: AppConfig) => {
                const { maxCsvBytes, maxImageBytes } = config.uploads;
                return {
                  storage: new SniffingDiskStorage(new StoragePaths(config).uploadDir, {
                    csv: maxCsvBytes,
                    image: maxImageBytes,
                  }),
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
        : [],
      controllers: http ? [FilesController, TaskFilesController] : [],
      providers: [StoragePaths, FilesService, ...(http ? [FileRetention] : [])],
      exports: [StoragePaths, FilesService],
    };
  }
}
