// Buffers kept from one answer to the next (issue 12, item 5): an answer's body is read into one
// (body.ts) and a body's escaped text is written into one (json-text.ts), so a scan of a hundred
// pages reuses a few buffers instead of leaving a hundred for the collector. One pool for both: a
// buffer is taken out while in use and given back after, so no two users ever share one.

/** An ordinary list page fits (Plannr's 500 cases ≈ 0.5 MB, ONLYOFFICE's 1,000 ≈ 2 MB); a larger buffer is not kept. */
const KEEP_BYTES = 4 * 1024 * 1024;
/** Smaller ones are cheap to make (Node's slab below 4 KiB) and would crowd out the page-sized ones. */
const SMALLEST_KEPT = 64 * 1024;
/** One per page in flight at the clients' default concurrency; more in use at once are made. */
const KEEP_COUNT = 8;
/**
 * And no more bytes than three of the largest: the scan's pages are kept for the next scan, but a
 * kept buffer is resident memory for the whole run (a migration's apply phase, after the scans,
 * reads nothing but small answers and its source's pages), so what is idle stays small.
 */
export const KEEP_TOTAL_BYTES = 3 * KEEP_BYTES;

const kept: Buffer[] = [];
let keptBytes = 0;

/** A buffer of at least `size` bytes (contents undefined): a kept one if one fits, else a new one. */
export function takeBuffer(size: number): Buffer {
  // The one given back last that fits: its pages are the likeliest to be resident still.
  const index = kept.findLastIndex((buffer) => buffer.length >= size);
  if (index >= 0) {
    const buffer = kept.splice(index, 1)[0]!;
    keptBytes -= buffer.length;
    return buffer;
  }
  // A kept buffer is never a slice of Node's slab, which it would hold whole.
  return size < SMALLEST_KEPT ? Buffer.allocUnsafe(size) : Buffer.allocUnsafeSlow(size);
}

/** Gives `buffer` back once nothing reads it any more; it is kept if it is page-sized and there is room. */
export function giveBuffer(buffer: Buffer): void {
  if (buffer.length < SMALLEST_KEPT || buffer.length > KEEP_BYTES || kept.length >= KEEP_COUNT) return;
  if (keptBytes + buffer.length > KEEP_TOTAL_BYTES) return;
  kept.push(buffer);
  keptBytes += buffer.length;
}

/** How many buffers are kept now (for tests). */
export function keptBuffers(): number {
  return kept.length;
}

/** How many bytes the kept buffers hold (for tests). */
export function keptBufferBytes(): number {
  return keptBytes;
}
