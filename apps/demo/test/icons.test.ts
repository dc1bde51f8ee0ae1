import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { drawIcon, LOGO_COLOURS } from '../build/icons.js';
import { crc32, encodePng } from '../build/png.js';

/** Decodes the PNGs encodePng writes (RGBA, 8 bit, filter 0) and checks every chunk's CRC on the way. */
function decode(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length), `${type} crc`).toBe(
      crc32(png.subarray(offset + 4, offset + 8 + length)),
    );
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[12]]).toEqual([8, 6, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

const pixel = (img: { width: number; rgba: Buffer }, x: number, y: number) => [
  ...img.rgba.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4),
];

describe('encodePng', () => {
  it('round-trips pixels', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 1, 2, 3, 4]);
    const img = decode(encodePng(2, 2, rgba));
    expect([img.width, img.height]).toEqual([2, 2]);
    expect([...img.rgba]).toEqual([...rgba]);
  });

  it('knows the CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('rejects a wrong pixel count', () => {
    expect(() => encodePng(2, 2, new Uint8Array(4))).toThrow(RangeError);
  });
});

describe('drawIcon', () => {
  const hex = Number.parseInt(LOGO_COLOURS.background.slice(1), 16);
  const ground = [(hex >> 16) & 0xff, (hex >> 8) & 0xff, hex & 0xff, 255];

  it('draws the 192 and 512 icons at their size', () => {
    for (const size of [192, 512]) {
      for (const purpose of ['any', 'maskable'] as const) {
        const img = decode(drawIcon(size, purpose));
        expect([img.width, img.height]).toEqual([size, size]);
      }
    }
  });

  it('maskable: full bleed, and the mark stays inside the safe circle (radius 0.4)', () => {
    const size = 192;
    const img = decode(drawIcon(size, 'maskable'));
    let markPixels = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const r = Math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2) / size;
        const isGround = pixel(img, x, y).every((v, i) => v === ground[i]);
        if (r > 0.4) expect(isGround, `pixel ${x},${y} outside the safe zone`).toBe(true);
        else if (!isGround) markPixels++;
      }
    }
    expect(markPixels).toBeGreaterThan(size * size * 0.05);
  });

  it('any: transparent rounded corners around an opaque ground', () => {
    const img = decode(drawIcon(192, 'any'));
    expect(pixel(img, 0, 0)[3]).toBe(0);
    expect(pixel(img, 191, 191)[3]).toBe(0);
    expect(pixel(img, 96, 4)).toEqual(ground);
  });
});
