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
/** The service's limit on file_ids per task, and its default IMAGE_CONCURRENCY. */
const MAX_FILES_PER_TASK = 100;
const IMAGE_CONCURRENCY = 2;
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
    // A task takes at most 100 file_ids: larger runs submit several tasks at once, which the
    // worker runs IMAGE_CONCURRENCY at a time; the bare side gets as many lanes.
    const batches = [];
    for (let i = 0; i < count; i += MAX_FILES_PER_TASK)
      batches.push(fileIds.slice(i, i + MAX_FILES_PER_TASK));
    const submitted = Date.now();
    const tasks = await Promise.all(
      batches.map((ids) =>
        runTask(
          api.url,
          {
            task_type: 'image_processing',
            input_params: {
              file_ids: ids,
              target_width: SPEC.width,
              target_height: SPEC.height,
              fit: SPEC.fit,
              format: SPEC.format,
              quality: SPEC.quality,
            },
          },
          30 * 60_000,
        ),
      ),
    );
    const resized = tasks.reduce(
      (sum, { task }) => sum + task.result_data.processed_successfully,
      0,
    );
    if (resized !== count) throw new Error(`the tasks resized ${resized} of ${count} images`);
    const systemMs =
      Math.max(...tasks.map(({ task }) => new Date(task.completed_at).getTime())) - submitted;

    const outputs = join(dir, 'outputs');
    mkdirSync(outputs);
    const lanes = Math.min(batches.length, IMAGE_CONCURRENCY);
    const started = performance.now();
    await inLanes(lanes, lanes, async (lane) => {
      for (let i = lane; i < count; i += lanes)
        await bareResize(paths[i], join(outputs, `photo_${i + 1}.jpg`));
    });
    const bareMs = performance.now() - started;

    const systemRate = count / (systemMs / 1000);
    const bareRate = count / (bareMs / 1000);
    return [
      {
        benchmark: 'Images (sqlite)',
        size: `${count} JPEG 1920×1080 → 800×600 cover, JPEG q80, ${batches.length} task(s)`,
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
