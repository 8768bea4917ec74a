/**
 * Colour that Pillow shows for transparent pixels of a GIF's first frame. Pillow keeps the frame as palette
 * indices, and `.convert("RGB")` looks the transparent index up like any other, whereas libvips decodes to RGBA
 * with those pixels cleared; the decoder puts this colour back where alpha is 0.
 */
export function gifTransparentColour(bytes: Uint8Array): [number, number, number] | undefined {
  if (bytes.length < 13) return undefined;
  let p = 13;
  let palette: Uint8Array | undefined;
  const screenFlags = bytes[10];
  if (screenFlags & 0x80) {
    const size = 3 << ((screenFlags & 7) + 1);
    palette = bytes.subarray(p, p + size);
    p += size;
  }
  let transparentIndex: number | undefined;
  while (p < bytes.length) {
    const block = bytes[p];
    if (block === 0x21) {
      const label = bytes[p + 1];
      p += 2;
      if (label === 0xf9 && bytes[p] >= 4 && bytes[p + 1] & 1) transparentIndex = bytes[p + 4];
      p = skipSubBlocks(bytes, p);
    } else if (block === 0x2c) {
      const imageFlags = bytes[p + 9];
      if (imageFlags & 0x80) palette = bytes.subarray(p + 10, p + 10 + (3 << ((imageFlags & 7) + 1)));
      break;
    } else {
      return undefined;
    }
  }
  if (transparentIndex === undefined || palette === undefined) return undefined;
  const i = transparentIndex * 3;
  return i + 2 < palette.length ? [palette[i], palette[i + 1], palette[i + 2]] : undefined;
}

function skipSubBlocks(bytes: Uint8Array, p: number): number {
  while (p < bytes.length && bytes[p] !== 0) p += bytes[p] + 1;
  return p + 1;
}
