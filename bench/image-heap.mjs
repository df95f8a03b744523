// The image path's CPU per image in a process holding a large live heap, as a worker does right
// after analysing a big CSV: the processor's resizeImage (from a build's dist/; BENCH_DIST names
// another, for before/after rows) beside bare sharp doing the same resize and thumbnail, two
// images at once each, three rounds alternating, on 40 generated 1920×1080 JPEGs.
// Usage: node bench/image-heap.mjs [retained MB, default 300]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, requireFromProject } from './lib/service.mjs';

const retainedMb = Number(process.argv[2] ?? 300);
const dist = process.env.BENCH_DIST ?? join(PROJECT_ROOT, 'dist');
const sharp = requireFromProject('sharp');
const { resizeImage } = requireFromProject(join(dist, 'task-types/image/resize.js'));
const { generateTestImage } = requireFromProject(join(dist, 'task-types/image/image-generate.js'));
const SPEC = { width: 800, height: 600, fit: 'cover', format: 'jpeg', quality: 80 };
const ROUNDS = 3;

// Small live objects, about 130 bytes each, as a CSV run's leftovers are.
const retained = Array.from({ length: retainedMb * 8 * 1024 }, (_, i) => ({
  i,
  s: `v${i}`,
  a: [i],
}));

async function bare(input, output) {
  const image = sharp(input, { limitInputPixels: 268_402_689, failOn: 'error' }).rotate();
  await image.metadata();
  await image
    .resize(SPEC.width, SPEC.height, { fit: SPEC.fit })
    .jpeg({ quality: 80 })
    .toFile(output);
  await sharp(output)
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70, effort: 0 })
    .toFile(`${output}.thumb.webp`);
}
const service = (input, output) => resizeImage(input, output, SPEC, `${output}.thumb.webp`);

const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-image-heap-'));
try {
  const paths = [];
  for (let i = 1; i <= 40; i++) {
    const path = join(dir, `photo_${i}.jpg`);
    writeFileSync(path, await generateTestImage(i, 1920, 1080));
    paths.push(path);
  }
  const cpuMsPerImage = async (label, resize) => {
    const before = process.resourceUsage();
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let i = lane; i < paths.length; i += 2)
          await resize(paths[i], `${paths[i]}.${label}.jpg`);
      }),
    );
    const after = process.resourceUsage();
    const us =
      after.userCPUTime - before.userCPUTime + (after.systemCPUTime - before.systemCPUTime);
    return (us / 1000 / paths.length).toFixed(1);
  };
  const rows = { bare: [], service: [] };
  for (let round = 0; round < ROUNDS; round++) {
    rows.bare.push(await cpuMsPerImage('bare', bare));
    rows.service.push(await cpuMsPerImage('service', service));
  }
  const heapMb = (process.memoryUsage().heapUsed / 1048576).toFixed(0);
  console.log(
    `${dist}, ${retained.length} objects retained (heap ${heapMb} MB); CPU ms per image, ${ROUNDS} rounds: bare ${rows.bare.join(', ')}; resizeImage ${rows.service.join(', ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
