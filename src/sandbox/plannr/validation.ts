// Laravel's validation failure, as Plannr answers it (reference "Transport": 422
// `{message, errors: {field: [msg...]}}`, array items keyed like `participants.0`). The message is
// the first error plus Laravel's "(and N more errors)" suffix.

export type ErrorMap = Record<string, string[]>;

export class PlannrValidationError extends Error {
  constructor(readonly errors: ErrorMap) {
    super(laravelMessage(errors));
    this.name = "PlannrValidationError";
  }

  body(): { message: string; errors: ErrorMap } {
    return { message: this.message, errors: this.errors };
  }
}

export function laravelMessage(errors: ErrorMap): string {
  const all = Object.values(errors).flat();
  const first = all[0] ?? "The given data was invalid.";
  const more = all.length - 1;
  if (more <= 0) return first;
  return `${first} (and ${more} more ${more === 1 ? "error" : "errors"})`;
}

/** Collects errors across one request so they are reported together, as Laravel does. */
export class ErrorBag {
  private readonly errors: ErrorMap = {};

  add(key: string, message: string): void {
    (this.errors[key] ??= []).push(message);
  }

  has(key: string): boolean {
    return this.errors[key] !== undefined;
  }

  get empty(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  throwIfAny(): void {
    if (!this.empty) throw new PlannrValidationError({ ...this.errors });
  }
}

/** Laravel's attribute naming in messages: `assigned_to_uuids.0` → "assigned to uuids.0". */
export function attributeName(key: string): string {
  return key.replace(/_/g, " ");
}
