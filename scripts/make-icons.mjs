// Draws the WS Lens icon (a magnifying lens over a two-way arrow) at 16/32/48/128 px as PNG, with no image
// library: signed-distance shapes, 4x4 supersampling, and a hand-written PNG encoder over node:zlib.
import fs from 'node:fs';
import zlib from 'node:zlib';

const BLUE = [26, 115, 232];
const WHITE = [255, 255, 255];
const DARK = [32, 33, 36];

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) { raw[y * (size * 4 + 1)] = 0; rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4); }
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr[8] = 8; ihdr[9] = 6;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const segDist = (px, py, ax, ay, bx, by) => {
  const dx = bx - ax, dy = by - ay; const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
};
/** colour at a point of the unit square, or null (transparent) */
function shade(x, y) {
  const cx = 0.42, cy = 0.42, r = 0.32, ring = 0.075;
  const d = Math.hypot(x - cx, y - cy);
  if (segDist(x, y, 0.64, 0.64, 0.9, 0.9) < 0.075) return DARK; // handle
  if (Math.abs(d - r) < ring) return BLUE; // rim
  if (d < r) {
    // inside the glass: an up arrow and a down arrow (sent / received)
    const up = segDist(x, y, 0.34, 0.58, 0.34, 0.27) < 0.04 || segDist(x, y, 0.34, 0.26, 0.25, 0.35) < 0.04 || segDist(x, y, 0.34, 0.26, 0.43, 0.35) < 0.04;
    const down = segDist(x, y, 0.5, 0.27, 0.5, 0.58) < 0.04 || segDist(x, y, 0.5, 0.59, 0.41, 0.5) < 0.04 || segDist(x, y, 0.5, 0.59, 0.59, 0.5) < 0.04;
    if (up || down) return BLUE;
    return WHITE;
  }
  return null;
}
export function drawIcon(size) {
  const out = Buffer.alloc(size * size * 4); const S = 4;
  for (let py = 0; py < size; py++) for (let px = 0; px < size; px++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
      const c = shade((px + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size);
      if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
    }
    const i = (py * size + px) * 4;
    if (a) { out[i] = r / a; out[i + 1] = g / a; out[i + 2] = b / a; out[i + 3] = (255 * a) / (S * S); }
  }
  return png(size, out);
}
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const size of [16, 32, 48, 128]) fs.writeFileSync(`icons/icon-${size}.png`, drawIcon(size));
  console.log('icons written');
}
