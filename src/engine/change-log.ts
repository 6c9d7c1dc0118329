// The writes of one run, as its report names them (SPEC §6: one `changes` entry per request, and
// the operation counts per side). A migration of 100,000 cases makes more than 100,000 writes, so
// a write is kept as four references into parallel arrays, never as its request body (SPEC §8:
// memory does not grow with the book beyond a compact index); the report's objects are built
// once, at the end. The audit of every write is in the state store already.
import type { Side } from "../core/errors.js";
import type { WriteOp } from "../core/records.js";
import type { ChangeReport } from "../core/report.js";

export class ChangeLog {
  private readonly sides: Side[] = [];
  private readonly records: (string | null)[] = [];
  private readonly partners: (string | null)[] = [];
  /** Operation and groups, one shared entry per distinct combination. */
  private readonly shapes: Shape[] = [];
  private readonly shapeByKey = new Map<string, Shape>();

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
      shape = { operation: op.kind, groups: [...op.groups] };
      this.shapeByKey.set(key, shape);
    }
    this.sides.push(op.side);
    this.records.push(op.record);
    this.partners.push(op.record === null ? null : partner);
    this.shapes.push(shape);
  }

  get size(): number {
    return this.sides.length;
  }

  /** Writes of one side by operation (`case.update`, `members.add`, ...). */
  operations(side: Side): Record<string, number> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < this.sides.length; i += 1) {
      if (this.sides[i] !== side) continue;
      const operation = this.shapes[i]?.operation ?? "";
      counts[operation] = (counts[operation] ?? 0) + 1;
    }
    return counts;
  }

  /** Every write in order, as the report lists them. */
  changes(): ChangeReport[] {
    return this.sides.map((side, i) => {
      const shape = this.shapes[i] ?? { operation: "", groups: [] };
      return { side, record: this.records[i] ?? null, partner: this.partners[i] ?? null, operation: shape.operation, groups: [...shape.groups] };
    });
  }
}

interface Shape {
  operation: string;
  groups: string[];
}
