// Issue 12 item 5: answer bodies are read into a few kept buffers (body.ts) instead of one fresh
// buffer per answer plus every socket chunk held until the end. Each test pins one promise: the
// exact bytes whatever the chunking, the buffer served again once released, the cap cutting the
// stream, and the HTTP client giving its buffer back after each answer.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BodyTooLarge, readBody } from "../../src/transport/body.js";
import { giveBuffer, KEEP_TOTAL_BYTES, keptBufferBytes, keptBuffers as keptBodyBuffers, takeBuffer } from "../../src/transport/buffer-pool.js";
import { createHttpClient } from "../../src/transport/http.js";

const MiB = 1024 * 1024;

/** A byte stream of the given chunks, in order. */
const streamOf = (chunks: readonly Buffer[]): Readable => Readable.from(chunks, { objectMode: false });

/** A stream that never ends: a 64 KiB chunk each time it is read. */
function endless(): Readable {
  return new Readable({
    read() {
      this.push(Buffer.alloc(64 * 1024, 0x20));
    },
  });
}

describe("readBody", () => {
  it("gives exactly the bytes sent, however they are chunked, with or without a length hint", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300_000 }), { maxLength: 12 }), fc.boolean(), async (sizes, hinted) => {
        const chunks = sizes.map((size, i) => Buffer.alloc(size, i + 1));
        const whole = Buffer.concat(chunks);
        const read = await readBody(streamOf(chunks), 64 * MiB, hinted ? whole.length : undefined);
        try {
          expect(read.bytes.equals(whole)).toBe(true);
        } finally {
          read.release();
        }
      }),
      { numRuns: 60 },
    );
  });

  it("serves a released buffer to the next answer, and a held one to nobody else", async () => {
    const page = Buffer.alloc(2 * MiB, 0x61);
    const first = await readBody(streamOf([page]), 64 * MiB, page.length);
    const whileHeld = await readBody(streamOf([page]), 64 * MiB, page.length);
    expect(whileHeld.bytes.buffer).not.toBe(first.bytes.buffer);
    first.release();
    first.release(); // a second release must not put the buffer in the pool twice
    const next = await readBody(streamOf([page]), 64 * MiB, page.length);
    const other = await readBody(streamOf([page]), 64 * MiB, page.length);
    expect(next.bytes.buffer).toBe(first.bytes.buffer);
    expect(other.bytes.buffer).not.toBe(first.bytes.buffer);
    for (const read of [whileHeld, next, other]) read.release();
  });

  it("keeps no buffer larger than an ordinary page", async () => {
    const before = keptBodyBuffers();
    const huge = await readBody(streamOf([Buffer.alloc(6 * MiB)]), 64 * MiB, 6 * MiB);
    huge.release();
    expect(keptBodyBuffers()).toBe(before);
  });

  it("keeps no more idle bytes than three page-sized buffers, however many are given back", () => {
    // An empty pool first (earlier tests gave buffers back).
    while (keptBodyBuffers() > 0) takeBuffer(1);
    expect(keptBufferBytes()).toBe(0);
    const taken = Array.from({ length: 8 }, () => takeBuffer(4 * MiB));
    for (const buffer of taken) giveBuffer(buffer);
    expect(keptBodyBuffers()).toBe(3);
    expect(keptBufferBytes()).toBe(KEEP_TOTAL_BYTES);
    // Taken out again, its bytes leave the count, and come back with it.
    const full = keptBufferBytes();
    const again = takeBuffer(4 * MiB);
    expect(keptBufferBytes()).toBe(full - again.length);
    giveBuffer(again);
    expect(keptBufferBytes()).toBe(full);
    expect(keptBodyBuffers()).toBeLessThanOrEqual(8);
  });

  it("cuts a body at the cap: BodyTooLarge, and the stream is destroyed", async () => {
    const source = endless();
    await expect(readBody(source, 3 * MiB)).rejects.toStrictEqual(new BodyTooLarge(3 * MiB));
    expect(source.destroyed).toBe(true);
  });

  it("refuses a Content-Length above the cap before reading a byte", async () => {
    const source = endless();
    let reads = 0;
    source.on("data", () => (reads += 1));
    await expect(readBody(source, MiB, MiB + 1)).rejects.toBeInstanceOf(BodyTooLarge);
    expect(source.destroyed).toBe(true);
    expect(reads).toBe(0);
  });

  it("fails a body whose stream closes before it ends (a cut socket), and keeps its buffer", async () => {
    const before = keptBodyBuffers();
    const cut = new Readable({
      read() {
        this.push(Buffer.alloc(1024, 0x20));
        this.destroy();
      },
    });
    await expect(readBody(cut, MiB)).rejects.toThrow("the answer ended before its body was complete");
    // Its buffer came from the kept ones (or was made) and went back: none was lost.
    expect(keptBodyBuffers()).toBeGreaterThanOrEqual(Math.max(before, 1));
  });

  it("passes a stream's error on", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error("socket hang up"));
      },
    });
    await expect(readBody(failing, MiB)).rejects.toThrow("socket hang up");
  });
});

describe("the HTTP client reads answers through the kept buffers", () => {
  let server: http.Server;
  let baseUrl = "";
  const page = JSON.stringify({ response: Array.from({ length: 900 }, (_, id) => ({ id, title: `Case ${id} – Zoë`, text: "x".repeat(1000) })) });
  beforeAll(async () => {
    server = http.createServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("gives each answer's buffer back once its JSON is parsed, so a scan reuses one buffer per page in flight", async () => {
    const client = createHttpClient({ side: "onlyoffice", baseUrl, headers: () => ({}), secrets: () => [], timeoutMs: 10_000, concurrency: 2 });
    try {
      const request = () => client.request({ method: "GET", path: "/api/2.0/crm/case/filter", endpoint: "GET /api/2.0/crm/case/filter", idempotent: true });
      const before = keptBodyBuffers();
      for (let i = 0; i < 5; i += 1) expect(await request()).toMatchObject({ status: 200, data: JSON.parse(page) as unknown });
      // Each answer takes a kept buffer (or makes one) and gives it back: none is lost to the collector.
      expect(keptBodyBuffers()).toBeGreaterThanOrEqual(Math.max(before, 1));
      const [a, b] = await Promise.all([request(), request()]);
      expect(a.data).toStrictEqual(b.data);
      expect(keptBodyBuffers()).toBeLessThanOrEqual(8);
    } finally {
      client.close();
    }
  });
});
