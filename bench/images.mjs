// Images: 1920×1080 JPEGs uploaded, resized and given a thumbnail by image_processing tasks
// (submit to SUCCESS) beside bare sharp doing the same resize and thumbnail with the same
// options, as many images at once as the worker resizes. Each side also reports its CPU time per image.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runTask, upload } from './csv.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import { Cleanup, requireFromProject } from './lib/service.mjs';
import { startTaskService } from './lib/task-service.mjs';
import { inLanes } from './queue-throughput.mjs';

/** The task's defaults (README): 800×600, cover, JPEG at quality 80. */
const SPEC = { width: 800, height: 600, fit: 'cover', format: 'jpeg', quality: 80 };
/**
 * The service's limit on file_ids per task, its default IMAGE_CONCURRENCY (tasks at once per
 * worker) and the processor's IMAGES_AT_ONCE (images at once per task).
 */
const MAX_FILES_PER_TASK = 100;
const IMAGE_CONCURRENCY = 2;
const IMAGES_AT_ONCE = 2;
/**
 * How often to ask whether the tasks are done. At 50 ms the polls of two tasks took about 4 ms
 * of CPU per image (API and this process) from the worker on two cores, in the Conveyor run
 * only; the time measured is the rows' completed_at either way.
 */
const POLL_MS = 500;
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

/** What the processor's makeThumbnail adds per image: the dashboard's 256-pixel WebP preview. */
async function bareThumbnail(resized, output) {
  await sharp(resized)
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70, effort: 0 })
    .toFile(output);
}

export async function images({ quick, shared }) {
  const count = quick ? 10 : 200;
  const cleanup = new Cleanup();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-images-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    const { generateTestImage } = requireFromProject('./dist/task-types/image/image-generate.js');
    const paths = [];
    for (let i = 1; i <= count; i++) {
      const path = join(dir, `photo_${i}.jpg`);
      writeFileSync(path, await generateTestImage(i, 1920, 1080));
      paths.push(path);
    }

    const { api, worker } = shared ?? (await startTaskService(cleanup));
    const fileIds = new Array(count);
    await inLanes(count, 4, async (i) => {
      fileIds[i] = await upload(api.url, paths[i], `photo_${i + 1}.jpg`);
    });
    const task = (ids) => ({
      task_type: 'image_processing',
      input_params: {
        file_ids: ids,
        target_width: SPEC.width,
        target_height: SPEC.height,
        fit: SPEC.fit,
        format: SPEC.format,
        quality: SPEC.quality,
      },
    });
    // Untimed warm-up of both sides: the bare side has sharp loaded and used (it made the
    // pictures); the worker gets the same by resizing two of them once.
    await runTask(api.url, task(fileIds.slice(0, 2)), 5 * 60_000);
    const warmUp = join(dir, 'warm-up');
    mkdirSync(warmUp);
    for (const i of [0, 1]) await bareResize(paths[i], join(warmUp, `photo_${i + 1}.jpg`));

    // A task takes at most 100 file_ids: larger runs submit several tasks at once, which the
    // worker runs IMAGE_CONCURRENCY at a time, each resizing IMAGES_AT_ONCE images at once; the
    // bare side gets as many lanes.
    const batches = [];
    for (let i = 0; i < count; i += MAX_FILES_PER_TASK)
      batches.push(fileIds.slice(i, i + MAX_FILES_PER_TASK));
    const lanes = Math.min(batches.length, IMAGE_CONCURRENCY) * IMAGES_AT_ONCE;
    const outputs = join(dir, 'outputs');
    mkdirSync(outputs);
    // withThumbnail: the same work as the task (resize, then a thumbnail of the written output),
    // which the target row compares with; the resize alone is kept as an informative row.
    const bareRun = async (withThumbnail) => {
      const meter = cpuMeter([undefined]);
      const started = performance.now();
      await inLanes(lanes, lanes, async (lane) => {
        for (let i = lane; i < count; i += lanes) {
          const output = join(outputs, `photo_${i + 1}.jpg`);
          await bareResize(paths[i], output);
          if (withThumbnail)
            await bareThumbnail(output, join(outputs, `photo_${i + 1}.thumb.webp`));
        }
      });
      return { ms: performance.now() - started, cpuMs: meter()[0] };
    };
    // Each bare run goes both before and after Conveyor's (in mirrored order) and counts as
    // the mean of the two, so that a load that drifts during the run favours neither side.
    const resizeBefore = await bareRun(false);
    const sameWorkBefore = await bareRun(true);

    const systemCpu = cpuMeter([worker.pid]);
    const submitted = Date.now();
    const tasks = await Promise.all(
      batches.map((ids) => runTask(api.url, task(ids), 30 * 60_000, POLL_MS)),
    );
    const [workerCpuMs] = systemCpu();
    const resized = tasks.reduce(
      (sum, { task }) => sum + task.result_data.processed_successfully,
      0,
    );
    if (resized !== count) throw new Error(`the tasks resized ${resized} of ${count} images`);
    const systemMs =
      Math.max(...tasks.map(({ task }) => new Date(task.completed_at).getTime())) - submitted;

    const sameWorkAfter = await bareRun(true);
    const resizeAfter = await bareRun(false);
    const mean = (a, b) => ({ ms: (a.ms + b.ms) / 2, cpuMs: (a.cpuMs + b.cpuMs) / 2 });
    const { ms: bareMs, cpuMs: bareCpuMs } = mean(resizeBefore, resizeAfter);
    const { ms: sameWorkMs, cpuMs: sameWorkCpuMs } = mean(sameWorkBefore, sameWorkAfter);
    const rates = (a, b) =>
      `${(count / (a.ms / 1000)).toFixed(1)} before, ${(count / (b.ms / 1000)).toFixed(1)} after`;

    const systemRate = count / (systemMs / 1000);
    const bareRate = count / (bareMs / 1000);
    const sameWorkRate = count / (sameWorkMs / 1000);
    const systemCell = `${systemRate.toFixed(1)} images/s, worker CPU ${(workerCpuMs / count).toFixed(1)} ms/image`;
    return [
      {
        benchmark: 'Images (sqlite)',
        size: `${count} JPEG 1920×1080 → 800×600 cover, JPEG q80, + 256-px WebP thumbnail each, ${batches.length} task(s)`,
        system: systemCell,
        bare: `${sameWorkRate.toFixed(1)} images/s (${rates(sameWorkBefore, sameWorkAfter)}), CPU ${(sameWorkCpuMs / count).toFixed(1)} ms/image`,
        ratio: systemRate / sameWorkRate,
        target: '≥ 0.9',
        holds: systemRate / sameWorkRate >= 0.9,
      },
      {
        benchmark: 'Images, bare side without the thumbnail (sqlite)',
        size: `the same ${count} images, resize only on the bare side`,
        system: systemCell,
        bare: `${bareRate.toFixed(1)} images/s (${rates(resizeBefore, resizeAfter)}), CPU ${(bareCpuMs / count).toFixed(1)} ms/image`,
        ratio: systemRate / bareRate,
        target: '—',
        holds: null,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await images({ quick: process.argv.includes('--quick') }));
}
