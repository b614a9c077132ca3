// A PNG reader for the picture tests: 8-bit RGB or RGBA, not interlaced (what resvg,
// rsvg-convert and ImageMagick's png32: write). Anything else is an error, not a guess.
import { inflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** 4 bytes per pixel, row by row. */
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Whether the bytes start with the PNG signature. */
export function isPng(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.subarray(0, 8).equals(SIGNATURE);
}

/** Decodes a PNG (chunks, zlib, the five row filters). */
export function decodePng(bytes: Buffer): Image {
  if (!isPng(bytes)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colourType, , , interlace] = body.subarray(8, 13);
      channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') {
      data.push(body);
    } else if (type === 'IEND') {
      break;
    }
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (out[i - channels] as number) : 0;
      const b = up[i] as number;
      const c = i >= channels ? (up[i - channels] as number) : 0;
      const x = line[i] as number;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        // Paeth: whichever of a, b, c is nearest to a + b − c.
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG row filter ${filter}`);
      out[i] = (x + predicted) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) rgba[4 * p + k] = rows[p * channels + k] as number;
    rgba[4 * p + 3] = channels === 4 ? (rows[p * channels + 3] as number) : 255;
  }
  return { width, height, rgba };
}

/**
 * The coloured pixels in each cell of a grid over the image (cols × rows cells, row by row):
 * opaque pixels whose channels differ by more than 60, i.e. not white, grey or black. The
 * points of a scatter plot are coloured; its axes, grid, text and ellipses are not.
 */
export function colouredPerCell(image: Image, cols: number, rows: number): number[] {
  const counts = new Array<number>(cols * rows).fill(0);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = 4 * (y * image.width + x);
      const [r, g, b, a] = [image.rgba[i], image.rgba[i + 1], image.rgba[i + 2], image.rgba[i + 3]] as number[];
      if ((a as number) < 128 || Math.max(r!, g!, b!) - Math.min(r!, g!, b!) <= 60) continue;
      const cell = Math.floor((y * rows) / image.height) * cols + Math.floor((x * cols) / image.width);
      counts[cell]!++;
    }
  }
  return counts;
}
