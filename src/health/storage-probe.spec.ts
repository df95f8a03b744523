import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { DataDirProbe } from './storage-probe';

describe('DataDirProbe', () => {
  let dataDir: string;
  let probe: DataDirProbe;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'conveyor-probe-'));
    probe = new DataDirProbe(new AppConfig(validateEnv({ DATA_DIR: dataDir })));
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('passes when a file can be written under DATA_DIR, and leaves none behind', async () => {
    await expect(probe.check()).resolves.toBeUndefined();
    expect(readdirSync(join(dataDir, 'ready-probe'))).toEqual([]);
  });

  it('fails with the reason when it cannot write there', async () => {
    writeFileSync(join(dataDir, 'ready-probe'), 'a file where the folder goes');
    await expect(probe.check()).rejects.toThrow(/EEXIST|ENOTDIR/);
  });
});
