import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';

/** Whether the file storage takes writes; throws with the reason when it does not. */
export abstract class StorageProbe {
  abstract check(): Promise<void>;
}

/** Files live under DATA_DIR: it is ready when a small file can be written there and removed. */
@Injectable()
export class DataDirProbe extends StorageProbe {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async check(): Promise<void> {
    const dir = join(this.config.dataDir, 'ready-probe');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(file, 'ok');
    await rm(file, { force: true });
  }
}
