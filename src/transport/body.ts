// Reads an answer body into a buffer reused from answer to answer (issue 12, item 5). axios's
// buffered mode keeps every socket chunk of a page until its end and then copies them into one
// fresh buffer: a 2 MB ONLYOFFICE page left 4 MB of ArrayBuffers per page for the collector, and
// as chunks that lived across several reads are promoted to the old generation, they waited for a
// full collection. At 10,000 cases a scan held 40–55 MB of such buffers at its peak, in malloc'd
// memory that glibc then did not give back. Here each chunk is copied out as it arrives (it dies
// young) into one of a few kept buffers (buffer-pool.ts), which the caller hands back once it has
// decoded the text.
//
// The size cap is counted here, on the bytes after decompression (axios decompresses the stream),
// so a gzip bomb is cut as it inflates; the deadline and the run's stop reach the body through the
// request's abort signal, which destroys the stream under this loop.
import type { Readable } from "node:stream";
import { giveBuffer, takeBuffer } from "./buffer-pool.js";

/** The body passed the response size cap: the stream is destroyed, nothing more is read. */
export class BodyTooLarge extends Error {
  constructor(readonly cap: number) {
    super(`answer body larger than ${cap} bytes`);
  }
}

export interface Body {
  /** The bytes read; valid until `release`. */
  readonly bytes: Buffer;
  /** Gives the buffer back for the next answer: call once the bytes are decoded, never read them after. */
  release(): void;
}

const FIRST_BYTES = 64 * 1024;
/** A Content-Length is only a hint until bytes arrive: a lying header must not reserve 64 MiB. */
const LARGEST_FIRST_BYTES = 8 * 1024 * 1024;

/**
 * The whole body of `stream` (at most `cap` bytes, or BodyTooLarge). `lengthHint` is the answer's
 * Content-Length when the body is not compressed: it sizes the first buffer.
 */
export function readBody(stream: Readable, cap: number, lengthHint?: number): Promise<Body> {
  if (lengthHint !== undefined && lengthHint > cap) {
    stream.destroy();
    return Promise.reject(new BodyTooLarge(cap));
  }
  let buffer = takeBuffer(Math.min(Math.max(lengthHint ?? 0, FIRST_BYTES), LARGEST_FIRST_BYTES, Math.max(cap, 1)));
  let length = 0;
  // Listeners, not `for await`: the async iterator and its end-of-stream watcher are a few KB of
  // objects per answer that live as long as the answer streams, and so outlive young collections.
  return new Promise<Body>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      stream.off("data", onData);
      giveBuffer(buffer);
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onData = (chunk: Buffer) => {
      const needed = length + chunk.length;
      if (needed > cap) {
        // Dropped here: destroying the stream closes the socket, nothing more is read.
        fail(new BodyTooLarge(cap));
        stream.destroy();
        return;
      }
      if (needed > buffer.length) {
        const grown = takeBuffer(Math.min(Math.max(buffer.length * 2, needed), cap));
        buffer.copy(grown, 0, 0, length);
        giveBuffer(buffer);
        buffer = grown;
      }
      length += chunk.copy(buffer, length);
    };
    stream.on("data", onData);
    stream.once("error", fail);
    // A stream destroyed without an error (the socket cut) closes without ending.
    stream.once("close", () => fail(new Error("the answer ended before its body was complete")));
    stream.once("end", () => {
      if (settled) return;
      settled = true;
      let released = false;
      const read = buffer;
      resolve({
        bytes: read.subarray(0, length),
        release() {
          if (released) return;
          released = true;
          giveBuffer(read);
        },
      });
    });
  });
}
