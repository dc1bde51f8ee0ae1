import { encodePng } from './png.js';

/** The logo's colours; the background doubles as the manifest's theme colour. */
export const LOGO_COLOURS = { background: '#0f5c63', peak: '#ffffff', beacon: '#f2a93b' } as const;

type Rgb = readonly [number, number, number];

/**
 * Draws the Outpost logo — a white peak with an amber beacon on a teal ground — as a PNG.
 * `any`: a rounded square with transparent corners. `maskable`: full-bleed ground with the mark inside the
 * central circle of radius 0.4 (the safe zone every launcher mask keeps), so no platform crops it.
 */
export function drawIcon(size: number, purpose: 'any' | 'maskable'): Buffer {
  const ground = hex(LOGO_COLOURS.background);
  const peak = hex(LOGO_COLOURS.peak);
  const beacon = hex(LOGO_COLOURS.beacon);
  // The mark lives in [-1.25, 1.25]^2 around its centre; this scale keeps it inside the 0.4 safe circle.
  const scale = purpose === 'maskable' ? 0.26 : 0.34;
  const samples = 4;
  const rgba = new Uint8Array(size * size * 4);

  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = (px + (sx + 0.5) / samples) / size;
          const v = (py + (sy + 0.5) / samples) / size;
          if (purpose === 'any' && !inRoundedSquare(u, v, 0.2)) continue;
          const x = (u - 0.5) / scale;
          const y = (v - 0.5) / scale;
          const colour = inTriangle(x, y) ? peak : Math.hypot(x - 0.62, y + 0.62) < 0.3 ? beacon : ground;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          a += 1;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
      }
      rgba[i + 3] = Math.round((a / (samples * samples)) * 255);
    }
  }
  return encodePng(size, size, rgba);
}

function inRoundedSquare(u: number, v: number, radius: number): boolean {
  const dx = Math.max(radius - u, u - (1 - radius), 0);
  const dy = Math.max(radius - v, v - (1 - radius), 0);
  return dx * dx + dy * dy <= radius * radius;
}

/** The peak: apex (0, -0.85), base from (-1, 0.75) to (1, 0.75). */
function inTriangle(x: number, y: number): boolean {
  if (y > 0.75) return false;
  return y >= -0.85 && Math.abs(x) <= (y + 0.85) / 1.6;
}

function hex(colour: string): Rgb {
  const n = Number.parseInt(colour.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
