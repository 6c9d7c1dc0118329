// Raw hashes of listed ONLYOFFICE cases (issue 11 item 5, after Nango's records stored with a
// content hash): the service lists every case every 30 s, and a case whose raw hash is the one it
// already knows is answered `unchanged` without zod or decoding. So the hash is on the hot path of
// every scan and must cost well under a JSON.parse of the page. Measured on the sandbox's pages
// (test/bench/scan.ts): a JSON.stringify of the item alone costs about as much as parsing it, and
// node:crypto adds about 2 µs a case on top (its per-call overhead on ~400-byte inputs), so neither
// is used. Instead the declared members are read by name and folded into two 32-bit multiply–xor
// lanes (64 bits): about 0.25× a JSON.parse of the page (0.8 µs a case against 3.6 µs).
//
// What is hashed, and why it is enough: `decodeCase` sees only the zod output, and the case schemas
// (schemas.ts) pass every undeclared member through unread, so the members they declare are all a
// decode can depend on: those are hashed in full, with their types (`"7"` and `7` differ), at each
// level (`HASHED_MEMBERS`, kept equal to the schemas by a unit test). Keys are camelized before
// validation (`Title` → `title`), so both spellings of each are hashed. Photo URLs, `createBy` and
// `canEdit` are not hashed: their changes decode to the same record anyway. What the decode reads
// beyond the item (the mapping, and the catalog: field definitions, contact and user keys) enters
// as the seed of both lanes, computed once a scan (`scanSeed`).
//
// Not a cryptographic hash. By accident, old and new content of a case collide only if several
// changed words cancel out in both lanes at once (one changed word never collides: each step is a
// bijection of the lane), but someone who can edit cases could craft a collision and hide that edit
// from the cheap scans (not from a full sync, which never passes `known`).
import { createHash } from "node:crypto";
import { stableStringify } from "../../src/core/hash.js";
import type { Mapping } from "../../src/core/mapping.js";

/** Bumped whenever what is hashed or how changes: hashes of another version never match. */
export const RAW_HASH_VERSION = 1;

/**
 * The members the schemas declare, per level: a case (NativeCaseSchema), one of its `members`
 * (CaseMemberSchema), one of its `customFields` (CaseFieldValueSchema), and an `accessList` entry
 * given as an object (AccessEntrySchema). The hash functions below read exactly these.
 */
export const HASHED_MEMBERS = {
  case: ["id", "title", "created", "isClosed", "isPrivate", "accessList", "members", "customFields"],
  member: ["id", "isCompany", "displayName"],
  customField: ["id", "fieldValue", "fieldType", "label"],
  accessEntry: ["id"],
} as const;

const M1 = 0x9e3779b1;
const M2 = 0x85ebca77;

/** Type tags, so that values of different types (or an absent member) never feed the same words. */
const Tag = {
  Undefined: 1,
  Null: 2,
  True: 3,
  False: 4,
  Int: 5,
  Float: 6,
  Text: 7,
  Array: 8,
  Object: 9,
  ObjectEnd: 10,
  Single: 11,
  Case: 12,
  Member: 13,
  Field: 14,
  Access: 15,
  /** A member also present in PascalCase: its value follows. */
  Pascal: 16,
} as const;

/** Raw JSON as parsed: members are read by name, so one loose type serves every level. */
type Raw = Record<string, unknown>;

const isObject = (value: unknown): value is Raw => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Two 32-bit lanes with different odd multipliers, fed the same words. Held in fields of one object
 * per scan (no allocation per case); string characters go two at a time.
 */
class Lanes {
  a = 0;
  b = 0;

  word(w: number): void {
    this.a = Math.imul(this.a ^ w, M1);
    this.b = Math.imul(this.b ^ w, M2);
  }

  text(s: string): void {
    const n = s.length;
    // The tag, then the length, then the characters, each a word of its own.
    let a = Math.imul(Math.imul(this.a ^ Tag.Text, M1) ^ n, M1);
    let b = Math.imul(Math.imul(this.b ^ Tag.Text, M2) ^ n, M2);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const w = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
      a = Math.imul(a ^ w, M1);
      b = Math.imul(b ^ w, M2);
    }
    if (i < n) {
      const w = s.charCodeAt(i);
      a = Math.imul(a ^ w, M1);
      b = Math.imul(b ^ w, M2);
    }
    this.a = a;
    this.b = b;
  }

  /** Any JSON value, in full (object members in their listed order). */
  value(v: unknown): void {
    if (typeof v === "string") return this.text(v);
    if (v === undefined) return this.word(Tag.Undefined);
    if (typeof v === "number") {
      if ((v | 0) === v) {
        this.word(Tag.Int);
        this.word(v);
      } else {
        this.word(Tag.Float);
        this.text(String(v));
      }
      return;
    }
    if (typeof v === "boolean") return this.word(v ? Tag.True : Tag.False);
    if (v === null) return this.word(Tag.Null);
    if (Array.isArray(v)) {
      this.word(Tag.Array);
      this.word(v.length);
      for (const item of v) this.value(item);
      return;
    }
    // Not a JSON value (a parsed body holds none): only its type counts.
    if (typeof v !== "object") return this.text(typeof v);
    this.word(Tag.Object);
    for (const key in v) {
      this.text(key);
      this.value((v as Raw)[key]);
    }
    this.word(Tag.ObjectEnd);
  }

  /**
   * The PascalCase spelling of a declared member, only when present: a portal sends one spelling,
   * so the other costs one check instead of a hashed `undefined`. The tag keeps it apart from
   * whatever is hashed next.
   */
  pascal(v: unknown): void {
    if (v === undefined) return;
    this.word(Tag.Pascal);
    this.value(v);
  }

  /** The PascalCase spelling of a declared list member, only when present. */
  pascalList(v: unknown, element: (lanes: Lanes, item: Raw) => void): void {
    if (v === undefined) return;
    this.word(Tag.Pascal);
    this.list(v, element);
  }

  /**
   * A list member (`listOf` in schemas.ts): objects are hashed by their declared members only; a
   * lone object stands for a one-element list, anything else is hashed as it is.
   */
  list(v: unknown, element: (lanes: Lanes, item: Raw) => void): void {
    if (Array.isArray(v)) {
      this.word(Tag.Array);
      this.word(v.length);
      for (const item of v) {
        if (isObject(item)) element(this, item);
        else this.value(item);
      }
    } else if (isObject(v)) {
      this.word(Tag.Single);
      element(this, v);
    } else this.value(v);
  }

  /** 64 bits as 11 characters of base64url, after a murmur3-style finalizer on each lane. */
  digest(): string {
    let a = this.a;
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
    a ^= a >>> 16;
    let b = this.b ^ a;
    b = Math.imul(b ^ (b >>> 15), 0x2c1b3c6d);
    b = Math.imul(b ^ (b >>> 12), 0x297a2d39);
    b ^= b >>> 15;
    return String.fromCharCode(
      B64.charCodeAt(a & 63),
      B64.charCodeAt((a >>> 6) & 63),
      B64.charCodeAt((a >>> 12) & 63),
      B64.charCodeAt((a >>> 18) & 63),
      B64.charCodeAt((a >>> 24) & 63),
      B64.charCodeAt(((a >>> 30) | (b << 2)) & 63),
      B64.charCodeAt((b >>> 4) & 63),
      B64.charCodeAt((b >>> 10) & 63),
      B64.charCodeAt((b >>> 16) & 63),
      B64.charCodeAt((b >>> 22) & 63),
      B64.charCodeAt((b >>> 28) & 63),
    );
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Each declared member in its camelCase and PascalCase spelling (the only two that camelize to it).
function member(lanes: Lanes, m: Raw): void {
  lanes.word(Tag.Member);
  lanes.value(m.id);
  lanes.pascal(m.Id);
  lanes.value(m.isCompany);
  lanes.pascal(m.IsCompany);
  lanes.value(m.displayName);
  lanes.pascal(m.DisplayName);
}

function customField(lanes: Lanes, f: Raw): void {
  lanes.word(Tag.Field);
  lanes.value(f.id);
  lanes.pascal(f.Id);
  lanes.value(f.fieldValue);
  lanes.pascal(f.FieldValue);
  lanes.value(f.fieldType);
  lanes.pascal(f.FieldType);
  lanes.value(f.label);
  lanes.pascal(f.Label);
}

function accessEntry(lanes: Lanes, e: Raw): void {
  lanes.word(Tag.Access);
  lanes.value(e.id);
  lanes.pascal(e.Id);
}

/**
 * The seed of one scan: the mapping as it is now and the catalog's fingerprint. Any change to
 * either changes every raw hash, so every case is decoded again.
 */
export function scanSeed(mapping: Mapping, catalogFingerprint: string): string {
  return createHash("sha1").update(`${RAW_HASH_VERSION}\n${catalogFingerprint}\n${stableStringify(mapping)}`).digest("base64");
}

/** Returns the raw-hash function of one scan (not reentrant: one scan runs it at a time). */
export function rawCaseHasher(seed: string): (raw: unknown) => string {
  const bytes = createHash("sha1").update(seed).digest();
  const seedA = bytes.readInt32LE(0);
  const seedB = bytes.readInt32LE(4);
  const lanes = new Lanes();
  return (raw) => {
    lanes.a = seedA;
    lanes.b = seedB;
    if (!isObject(raw)) {
      lanes.value(raw);
      return lanes.digest();
    }
    lanes.word(Tag.Case);
    lanes.value(raw.id);
    lanes.pascal(raw.Id);
    lanes.value(raw.title);
    lanes.pascal(raw.Title);
    lanes.value(raw.created);
    lanes.pascal(raw.Created);
    lanes.value(raw.isClosed);
    lanes.pascal(raw.IsClosed);
    lanes.value(raw.isPrivate);
    lanes.pascal(raw.IsPrivate);
    lanes.list(raw.accessList, accessEntry);
    lanes.pascalList(raw.AccessList, accessEntry);
    lanes.list(raw.members, member);
    lanes.pascalList(raw.Members, member);
    lanes.list(raw.customFields, customField);
    lanes.pascalList(raw.CustomFields, customField);
    return lanes.digest();
  };
}
