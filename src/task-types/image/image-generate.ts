import { sharp } from './lazy-sharp';

/**
 * A test picture for the seed parameters: a gradient with shapes and its number, so that a
 * resize visibly keeps the content. Deterministic for a given index.
 */
export async function generateTestImage(
  index: number,
  width = 1280,
  height = 960,
): Promise<Buffer> {
  const hue = (index * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="hsl(${hue},70%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},70%,35%)"/>
  </linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <circle cx="${width * 0.3}" cy="${height * 0.4}" r="${height * 0.2}" fill="rgba(255,255,255,0.35)"/>
  <rect x="${width * 0.55}" y="${height * 0.5}" width="${width * 0.3}" height="${height * 0.3}" fill="rgba(0,0,0,0.25)"/>
  <text x="50%" y="90%" font-size="${Math.round(height / 10)}" text-anchor="middle" fill="white" font-family="sans-serif">#${index}</text>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}
