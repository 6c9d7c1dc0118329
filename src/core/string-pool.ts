// One shared instance per distinct text. A case book repeats a few hundred ids (statuses, case
// types, staff, clients) across every record; holding them once keeps a 100,000-case scan small.
export class StringPool {
  private readonly pool = new Map<string, string>();

  intern(value: string): string {
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    this.pool.set(value, value);
    return value;
  }

  internAll(values: readonly string[]): string[] {
    return values.map((v) => this.intern(v));
  }
}
