// The writes of one run, as its report names them (SPEC §6: one `changes` entry per request, and
// the operation counts per side). A migration of 100,000 cases makes more than 100,000 writes, so
// a write is kept in columns of typed arrays (a side byte, a shape number, its record and partner
// packed by compact-ids.ts: about 40 bytes, outside the collected heap), never as its request body
// or as strings (SPEC §8: memory does not grow with the book beyond a compact index); the report's
// objects are built once, at the end. The audit of every write is in the state store already.
import type { Side } from "../core/errors.js";
import type { WriteOp } from "../core/records.js";
import type { ChangeReport } from "../core/report.js";
import { doubled, IdColumn } from "./compact-ids.js";

export class ChangeLog {
  /** Per write: its side (0 Plannr, 1 ONLYOFFICE) and its shape's position in `shapes`. */
  private sides = new Uint8Array(16);
  private shapeAt = new Uint32Array(16);
  private readonly records = new IdColumn();
  private readonly partners = new IdColumn();
  /** Operation and groups, one shared entry per distinct combination. */
  private readonly shapes: Shape[] = [];
  private readonly shapeByKey = new Map<string, number>();
  private count = 0;

  /** The log of ops that name their partners through `partnerOf` (or have none). */
  static of(ops: Iterable<WriteOp>, partnerOf: (op: WriteOp) => string | null = () => null): ChangeLog {
    const log = new ChangeLog();
    for (const op of ops) log.add(op, partnerOf(op));
    return log;
  }

  add(op: WriteOp, partner: string | null): void {
    const key = `${op.kind}\u0000${op.groups.join("\u0000")}`;
    let shape = this.shapeByKey.get(key);
    if (shape === undefined) {
      shape = this.shapes.push({ operation: op.kind, groups: [...op.groups] }) - 1;
      this.shapeByKey.set(key, shape);
    }
    if (this.count === this.sides.length) this.grow();
    this.sides[this.count] = SIDES.indexOf(op.side);
    this.shapeAt[this.count] = shape;
    this.records.push(op.record);
    this.partners.push(op.record === null ? null : partner);
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  /** Writes of one side by operation (`case.update`, `members.add`, ...). */
  operations(side: Side): Record<string, number> {
    const wanted = SIDES.indexOf(side);
    const counts: Record<string, number> = {};
    for (let i = 0; i < this.count; i += 1) {
      if (this.sides[i] !== wanted) continue;
      const operation = this.shapes[this.shapeAt[i] ?? 0]?.operation ?? "";
      counts[operation] = (counts[operation] ?? 0) + 1;
    }
    return counts;
  }

  /** Every write in order, as the report lists them. */
  changes(): ChangeReport[] {
    const out: ChangeReport[] = [];
    for (let i = 0; i < this.count; i += 1) {
      const shape = this.shapes[this.shapeAt[i] ?? 0] ?? { operation: "", groups: [] };
      out.push({ side: SIDES[this.sides[i] ?? 0] ?? "plannr", record: this.records.get(i), partner: this.partners.get(i), operation: shape.operation, groups: [...shape.groups] });
    }
    return out;
  }

  private grow(): void {
    this.sides = doubled(this.sides);
    this.shapeAt = doubled(this.shapeAt);
  }
}

const SIDES: readonly Side[] = ["plannr", "onlyoffice"];

interface Shape {
  operation: string;
  groups: string[];
}
