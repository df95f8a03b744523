// Images: 1920×1080 JPEGs uploaded and resized by one image_processing task (submit to
// SUCCESS) beside bare sharp doing the same resize with the same options, one image at a time
// as the task's processor does.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runTask, upload } from './csv.mjs';
import { Cleanup, requireFromProject } from './lib/service.mjs';
import { startTaskService } from './lib/task-service.mjs';
import { inLanes } from './queue-throughput.mjs';

/** The task's defaults (README): 800×600, cover, JPEG at quality 80. */
const SPEC = { width: 800, height: 600, fit: 'cover', format: 'jpeg', quality: 80 };
/** The service's MAX_INPUT_PIXELS, so sharp does the same checks in both runs. */
const MAX_INPUT_PIXELS = 268_402_689;

/** What the processor's resizeImage does per image, written against sharp directly. */
async function bareResize(input, output) {
  const image = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate();
  await image.metadata();
  await image
    .resize(SPEC.width, SPEC.height, { fit: SPEC.fit })
    .toFormat(SPEC.format, { quality: SPEC.quality })
    .toFile(output);
}

export async function images({ quick, shared }) {
  const count = quick ? 10 : 200;
  const cleanup = new Cleanup();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-images-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    const { generateTestImage } = requireFromProject('./dist/queue/image/image-generate.js');
    const paths = [];
    for (let i = 1; i <= count; i++) {
      const path = join(dir, `photo_${i}.jpg`);
      writeFileSync(path, await generateTestImage(i, 1920, 1080));
      paths.push(path);
    }

    const { api } = shared ?? (await startTaskService(cleanup));
    const fileIds = new Array(count);
    await inLanes(count, 4, async (i) => {
      fileIds[i] = await upload(api.url, paths[i], `photo_${i + 1}.jpg`);
    });
    const system = await runTask(
      api.url,
      {
        task_type: 'image_processing',
        input_params: {
          file_ids: fileIds,
          target_width: SPEC.width,
          target_height: SPEC.height,
          fit: SPEC.fit,
          format: SPEC.format,
          quality: SPEC.quality,
        },
      },
      30 * 60_000,
    );
    if (system.task.result_data.processed_successfully !== count) {
      throw new Error(
        `the task resized ${system.task.result_data.processed_successfully} of ${count} images`,
      );
    }

    const outputs = join(dir, 'outputs');
    mkdirSync(outputs);
    const started = performance.now();
    for (const [i, path] of paths.entries())
      await bareResize(path, join(outputs, `photo_${i + 1}.jpg`));
    const bareMs = performance.now() - started;

    const systemRate = count / (system.ms / 1000);
    const bareRate = count / (bareMs / 1000);
    return [
      {
        benchmark: 'Images (sqlite)',
        size: `${count} JPEG 1920×1080 → 800×600 cover, JPEG q80`,
        system: `${systemRate.toFixed(1)} images/s`,
        bare: `${bareRate.toFixed(1)} images/s`,
        ratio: systemRate / bareRate,
        target: '≥ 0.9',
        holds: systemRate / bareRate >= 0.9,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await images({ quick: process.argv.includes('--quick') }));
}
