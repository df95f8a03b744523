import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { IMAGE_FITS, IMAGE_FORMATS, ImageFit } from './image.params';
import { generateTestImage } from './image-generate';
import {
  boundedTarget,
  expectedSize,
  makeThumbnail,
  MAX_ENLARGEMENT,
  MAX_INPUT_PIXELS,
  MAX_OUTPUT_PIXELS,
  outputName,
  resizeImage,
  vipsTimeout,
  ResizeSpec,
} from './resize';
import { pngClaiming } from '../../testing/png-bomb';

describe('expectedSize', () => {
  const source = { width: 400, height: 300 };

  it.each<ImageFit>(['cover', 'contain', 'fill'])('gives exactly the target for %s', (fit) => {
    expect(expectedSize(source, { width: 100, height: 100 }, fit)).toEqual({
      width: 100,
      height: 100,
    });
  });

  it('fits inside the box, keeping the aspect ratio', () => {
    expect(expectedSize(source, { width: 100, height: 100 }, 'inside')).toEqual({
      width: 100,
      height: 75,
    });
    expect(expectedSize(source, { width: 800, height: 900 }, 'inside')).toEqual({
      width: 800,
      height: 600,
    });
  });

  it('covers the box from outside, keeping the aspect ratio', () => {
    expect(expectedSize(source, { width: 100, height: 100 }, 'outside')).toEqual({
      width: 133,
      height: 100,
    });
    expect(expectedSize(source, { width: 40, height: 90 }, 'outside')).toEqual({
      width: 120,
      height: 90,
    });
  });

  it('never gives a side of zero', () => {
    expect(
      expectedSize({ width: 5000, height: 10 }, { width: 100, height: 100 }, 'inside'),
    ).toEqual({ width: 100, height: 1 });
  });
});

describe('vipsTimeout', () => {
  it('is none without stopBy, else the whole seconds left and at least one', () => {
    expect(vipsTimeout(undefined)).toEqual({ seconds: 0 });
    expect(vipsTimeout(10_500, 1_000)).toEqual({ seconds: 10 });
    expect(vipsTimeout(10_001, 1_000)).toEqual({ seconds: 10 });
    expect(vipsTimeout(500, 1_000)).toEqual({ seconds: 1 });
    expect(vipsTimeout(86_400_000, 0)).toEqual({ seconds: 3600 });
  });
});

describe('outputName', () => {
  it('keeps the base name and puts the format’s extension', () => {
    expect(outputName('holiday.png', 'jpeg')).toBe('holiday.jpg');
    expect(outputName('holiday.JPG', 'png')).toBe('holiday.png');
    expect(outputName('holiday', 'webp')).toBe('holiday.webp');
    expect(outputName('my.holiday.photo.tif', 'avif')).toBe('my.holiday.photo.avif');
  });

  it('replaces characters outside letters, digits, dot, dash and underscore', () => {
    expect(outputName('my photo (1)?.jpeg', 'jpeg')).toBe('my_photo_1_.jpg');
    expect(outputName('café.png', 'png')).toBe('caf_.png');
  });

  it.each([
    '../../etc/passwd',
    '..\\..\\windows\\win.ini',
    '/absolute/path.png',
    'a/b/../c.png',
    '....//....//x',
    'C:\\Users\\me\\pic.png',
  ])('never yields a path separator or a leading dot for %j', (name) => {
    for (const format of IMAGE_FORMATS) {
      const safe = outputName(name, format);
      expect(safe).not.toMatch(/[/\\]/);
      expect(safe).not.toMatch(/^\./);
      expect(safe).toMatch(/^[\w.-]+$/);
    }
  });

  it('keeps the file part of a path-like name', () => {
    expect(outputName('../../etc/passwd', 'png')).toBe('etc_passwd.png');
    expect(outputName('scans.2024/page', 'png')).toBe('scans.2024_page.png');
  });

  it('falls back to "image" when nothing usable is left', () => {
    expect(outputName('', 'png')).toBe('image.png');
    expect(outputName('.png', 'png')).toBe('image.png');
    expect(outputName('...', 'jpeg')).toBe('image.jpg');
    expect(outputName('★★★.gif', 'webp')).toBe('image.webp');
  });

  it('shortens long names to 100 characters before the extension', () => {
    expect(outputName(`${'a'.repeat(300)}.png`, 'png')).toBe(`${'a'.repeat(100)}.png`);
  });
});

describe('boundedTarget', () => {
  const within = (
    source: { width: number; height: number },
    out: { width: number; height: number },
  ) =>
    out.width <= MAX_ENLARGEMENT * source.width &&
    out.height <= MAX_ENLARGEMENT * source.height &&
    out.width * out.height <= MAX_OUTPUT_PIXELS;

  it('keeps a box the output already fits', () => {
    const source = { width: 1280, height: 960 };
    expect(boundedTarget(source, { width: 800, height: 600 }, 'cover')).toEqual({
      target: { width: 800, height: 600 },
    });
    expect(boundedTarget(source, { width: 5120, height: 3840 }, 'fill').limitedBy).toBeUndefined();
  });

  it('stops a 1x10 image with fit outside at 4x its sides, not 2048x20480', () => {
    const source = { width: 1, height: 10 };
    const { target, limitedBy } = boundedTarget(source, { width: 2048, height: 2048 }, 'outside');
    const out = expectedSize(source, target, 'outside');
    expect(out).toEqual({ width: 4, height: 40 });
    expect(limitedBy).toBe('at most 4x the source on each side');
  });

  it('stops at 100 megapixels where 4x would allow more', () => {
    // Outside at 8192x8192 would make 8192x32768 (268 megapixels); 4x would allow 8000x32000.
    const source = { width: 2000, height: 8000 };
    const { target, limitedBy } = boundedTarget(source, { width: 8192, height: 8192 }, 'outside');
    const out = expectedSize(source, target, 'outside');
    expect(out.width * out.height).toBeLessThanOrEqual(MAX_OUTPUT_PIXELS);
    expect(out.width * out.height).toBeGreaterThan(0.99 * MAX_OUTPUT_PIXELS);
    expect(limitedBy).toBe('at most 100 megapixels');
  });

  it.each(IMAGE_FITS)('keeps every output within the limits for fit %s', (fit) => {
    const sources = [
      { width: 1, height: 1 },
      { width: 1, height: 10 },
      { width: 3, height: 7000 },
      { width: 640, height: 480 },
      { width: 16000, height: 16000 },
    ];
    const targets = [
      { width: 1, height: 8192 },
      { width: 8192, height: 8192 },
      { width: 800, height: 600 },
      { width: 8192, height: 1 },
    ];
    for (const source of sources) {
      for (const box of targets) {
        const out = expectedSize(source, boundedTarget(source, box, fit).target, fit);
        expect({ source, box, out, within: within(source, out) }).toEqual({
          source,
          box,
          out,
          within: true,
        });
      }
    }
  });
});

describe('resizeImage', () => {
  let dir: string;
  let picture: Buffer;
  beforeAll(async () => {
    picture = await generateTestImage(1, 400, 300);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'resize-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const spec = (overrides: Partial<ResizeSpec> = {}): ResizeSpec => ({
    width: 120,
    height: 80,
    fit: 'cover',
    format: 'jpeg',
    quality: 80,
    ...overrides,
  });

  it.each(IMAGE_FITS)('produces the expected size for fit %s', async (fit) => {
    const output = join(dir, `out-${fit}.jpg`);
    const result = await resizeImage(picture, output, spec({ width: 150, height: 150, fit }));
    const metadata = await sharp(output).metadata();
    const expected = expectedSize({ width: 400, height: 300 }, { width: 150, height: 150 }, fit);
    expect({ width: metadata.width, height: metadata.height }).toEqual(expected);
    expect(result.new_size).toBe(`${expected.width}x${expected.height}`);
    expect(result.original_size).toBe('400x300');
  });

  it.each([
    ['jpeg', 'jpeg'],
    ['png', 'png'],
    ['webp', 'webp'],
    ['avif', 'heif'],
  ] as const)('writes %s', async (format, container) => {
    const output = join(dir, outputName('picture', format));
    const result = await resizeImage(picture, output, spec({ format }));
    const metadata = await sharp(output).metadata();
    expect(metadata.format).toBe(container);
    if (format === 'avif') expect(metadata.compression).toBe('av1');
    expect([metadata.width, metadata.height]).toEqual([120, 80]);
    expect(result.format).toBe(format);
    expect(result.file_size_kb).toBeCloseTo(statSync(output).size / 1024, 2);
  });

  it.each([
    ['jpeg', 'jpeg'],
    ['png', 'png'],
    ['webp', 'webp'],
    ['avif', 'heif'],
  ] as const)(
    'writes %s and its thumbnail, the thumbnail of the output as written',
    async (format, container) => {
      const output = join(dir, outputName('picture', format));
      const thumbnail = join(dir, 'picture.thumb.webp');
      const result = await resizeImage(
        picture,
        output,
        spec({ width: 400, height: 200, format }),
        thumbnail,
      );
      const metadata = await sharp(output).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual([container, 400, 200]);
      expect(result.file_size_kb).toBeCloseTo(statSync(output).size / 1024, 2);
      const small = await sharp(thumbnail).metadata();
      expect([small.format, small.width, small.height]).toEqual(['webp', 256, 128]);
      // The pixels are those of the resized output: its colours, not another crop's.
      const [fromOutput, fromThumbnail] = await Promise.all(
        [output, thumbnail].map((path) => sharp(path).resize(8, 4).raw().toBuffer()),
      );
      const difference = fromOutput.reduce(
        (sum, byte, i) => sum + Math.abs(byte - fromThumbnail[i]),
        0,
      );
      expect(difference / fromOutput.length).toBeLessThan(12);
    },
  );

  it('writes the thumbnail of a large output', async () => {
    const output = join(dir, 'large.jpg');
    const thumbnail = join(dir, 'large.thumb.webp');
    // 1600 x 2560 = 4.1 megapixels: within 4x the 400 x 300 source.
    await resizeImage(picture, output, spec({ width: 1600, height: 2560, fit: 'fill' }), thumbnail);
    const small = await sharp(thumbnail).metadata();
    expect([small.format, small.width, small.height]).toEqual(['webp', 160, 256]);
  });

  it('gives up an encode that outlasts stopBy, where no signal could reach it', async () => {
    // 67 megapixels of noise to AVIF: minutes of libvips work without the bound.
    const noise = await sharp({
      create: {
        width: 2100,
        height: 2100,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const output = join(dir, 'slow.avif');
    const big = spec({ width: 8192, height: 8192, format: 'avif', quality: 90 });
    await expect(resizeImage(noise, output, { ...big, stopBy: Date.now() + 1000 })).rejects.toThrow(
      /timeout/,
    );
  }, 30_000);

  it('reads its input from a file path too', async () => {
    const input = join(dir, 'input.jpg');
    await sharp(picture).toFile(input);
    const result = await resizeImage(input, join(dir, 'out.png'), spec({ format: 'png' }));
    expect(result).toMatchObject({ original_size: '400x300', new_size: '120x80' });
  });

  it('applies the quality setting', async () => {
    const low = await resizeImage(picture, join(dir, 'low.jpg'), spec({ quality: 5 }));
    const high = await resizeImage(picture, join(dir, 'high.jpg'), spec({ quality: 100 }));
    expect(low.file_size_kb).toBeLessThan(high.file_size_kb);
  });

  it('applies EXIF orientation 6 and reports the upright original size', async () => {
    const rotated = await sharp(picture).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const output = join(dir, 'upright.jpg');
    const result = await resizeImage(
      rotated,
      output,
      spec({ width: 150, height: 150, fit: 'inside' }),
    );
    expect(result.original_size).toBe('300x400');
    expect(result.new_size).toBe('113x150');
    const metadata = await sharp(output).metadata();
    expect([metadata.width, metadata.height]).toEqual([113, 150]);
    expect(metadata.orientation).toBeUndefined();
  });

  it('strips EXIF and other metadata from the output', async () => {
    const tagged = await sharp(picture)
      .withExif({ IFD0: { Copyright: 'someone', Artist: 'a camera owner' } })
      .jpeg()
      .toBuffer();
    expect((await sharp(tagged).metadata()).exif).toBeDefined();
    const output = join(dir, 'clean.jpg');
    await resizeImage(tagged, output, spec());
    const metadata = await sharp(output).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.icc).toBeUndefined();
    expect(readFileSync(output).includes('a camera owner')).toBe(false);
  });

  it('refuses an image over the pixel limit without decoding it', async () => {
    const side = Math.ceil(Math.sqrt(MAX_INPUT_PIXELS)) + 1;
    const bomb = pngClaiming(side, side);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(side);
    await expect(resizeImage(bomb, join(dir, 'bomb.jpg'), spec())).rejects.toThrow(/pixel limit/i);
  });

  it('rejects input that is not an image', async () => {
    await expect(
      resizeImage(Buffer.from('not an image at all'), join(dir, 'x.jpg'), spec()),
    ).rejects.toThrow();
  });
});

describe('makeThumbnail', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'thumbnail-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a WebP at most 256 px on its longer side, keeping the aspect ratio', async () => {
    const input = join(dir, 'wide.jpg');
    await sharp(await generateTestImage(1, 800, 600)).toFile(input);
    const output = join(dir, 'wide.thumb.webp');
    await makeThumbnail(input, output);
    const metadata = await sharp(output).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 256, 192]);
  });

  it('never enlarges a picture already smaller than that', async () => {
    const input = join(dir, 'small.png');
    await sharp(await generateTestImage(2, 120, 90))
      .png()
      .toFile(input);
    const output = join(dir, 'small.thumb.webp');
    await makeThumbnail(input, output);
    const metadata = await sharp(output).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 120, 90]);
  });
});

describe('generateTestImage', () => {
  it('makes a JPEG of the asked size, the same for the same index', async () => {
    const a = await generateTestImage(3, 64, 48);
    const metadata = await sharp(a).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 64, 48]);
    expect((await generateTestImage(3, 64, 48)).equals(a)).toBe(true);
    expect((await generateTestImage(4, 64, 48)).equals(a)).toBe(false);
  });

  it('defaults to 1280x960', async () => {
    const metadata = await sharp(await generateTestImage(1)).metadata();
    expect([metadata.width, metadata.height]).toEqual([1280, 960]);
  });
});

describe('resizeImage within the enlargement limit', () => {
  it('makes a 4x40 image of a 1x10 one asked for at 2048x2048 with fit outside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resize-limit-'));
    try {
      const tiny = await sharp({
        create: { width: 1, height: 10, channels: 3, background: '#336699' },
      })
        .png()
        .toBuffer();
      const output = join(dir, 'out.png');
      const result = await resizeImage(tiny, output, {
        width: 2048,
        height: 2048,
        fit: 'outside',
        format: 'png',
        quality: 80,
      });
      const metadata = await sharp(output).metadata();
      expect({ width: metadata.width, height: metadata.height }).toEqual({ width: 4, height: 40 });
      expect(result).toMatchObject({
        original_size: '1x10',
        new_size: '4x40',
        size_limited_by: 'at most 4x the source on each side',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
