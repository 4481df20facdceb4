/**
 * The largest image `predict` and the page read: 36 megapixels (6000×6000, a 36 MP photo), ~150 MB as
 * RGBA. Beyond it decoding alone took seconds and gigabytes (a 439 KB PNG of 20000×20000: 21 s, 4.8 GB).
 * Pure data: the page imports it too.
 */
export const MAX_IMAGE_PIXELS = 36_000_000;

/** "12.0 MP", "400 MP": a pixel count as a short size. */
export const megapixels = (pixels: number): string => `${(pixels / 1e6).toFixed(pixels < 1e7 ? 1 : 0)} MP`;
