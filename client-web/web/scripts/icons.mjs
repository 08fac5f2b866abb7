// Draws the app icons (public/*.png) from the same shapes as public/icon.svg: two
// interlocking white rings (the 絆, ties) on the brand blue of style.css. No
// dependencies: 4×4 supersampling for smooth edges, PNG written with node:zlib.
//
//   node scripts/icons.mjs        # rewrites the PNGs in public/
//
// "any" icons keep the SVG's rounded corners (transparent outside); "maskable"
// icons fill the whole square and keep the rings inside the central safe circle
// (radius 40 % of the size), so a launcher may cut any shape out of them.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const PUBLIC = join(import.meta.dirname, '..', 'public');
const BRAND = [0x0a, 0x4a, 0x7a];
const WHITE = [0xff, 0xff, 0xff];

// The SVG's geometry, in its 512-unit box.
const RINGS = [
  { cx: 206, cy: 256 },
  { cx: 306, cy: 256 },
];
const RADIUS = 104;
const STROKE = 36;
const CORNER = 96;

function insideRoundedSquare(x, y) {
  const dx = Math.max(CORNER - x, 0, x - (512 - CORNER));
  const dy = Math.max(CORNER - y, 0, y - (512 - CORNER));
  return dx * dx + dy * dy <= CORNER * CORNER;
}

function onRing(x, y, scale) {
  return RINGS.some(({ cx, cy }) => {
    const rx = 256 + (cx - 256) * scale;
    const ry = 256 + (cy - 256) * scale;
    const d = Math.hypot(x - rx, y - ry);
    return Math.abs(d - RADIUS * scale) <= (STROKE * scale) / 2;
  });
}

/** RGBA pixels of one icon. */
function draw(size, maskable) {
  const SUB = 4;
  const scale = maskable ? 0.9 : 1;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let background = 0;
      let ring = 0;
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const x = ((px + (sx + 0.5) / SUB) * 512) / size;
          const y = ((py + (sy + 0.5) / SUB) * 512) / size;
          if (!maskable && !insideRoundedSquare(x, y)) continue;
          background++;
          if (onRing(x, y, scale)) ring++;
        }
      }
      const total = SUB * SUB;
      const alpha = background / total;
      const mix = background === 0 ? 0 : ring / background;
      const at = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) pixels[at + c] = Math.round(BRAND[c] * (1 - mix) + WHITE[c] * mix);
      pixels[at + 3] = Math.round(alpha * 255);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // no filter
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const ICONS = [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-192.png', 192, true],
  ['icon-maskable-512.png', 512, true],
  // iOS puts its own rounded mask on a full square (and paints transparency black).
  ['apple-touch-icon.png', 180, true],
];

for (const [name, size, maskable] of ICONS) {
  writeFileSync(join(PUBLIC, name), png(size, draw(size, maskable)));
  console.log(`wrote public/${name} (${size}×${size}${maskable ? ', maskable' : ''})`);
}
