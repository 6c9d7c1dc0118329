// Wraps a StateStore so that it hangs with the rest of the "process" when the crash switch trips.
import type { StateStore } from "../../src/core/state.js";
import type { CrashSwitch } from "./memory-crm.js";

export function crashable(store: StateStore, crash: CrashSwitch): StateStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver) as unknown;
      if (typeof member !== "function") return member;
      // `describe` is the store's one synchronous member (its name in messages), not an I/O call.
      if (key === "describe") return (member as () => string).bind(target);
      return async (...args: unknown[]) => {
        await crash.gate();
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
