// The in-memory StateStore of the tests is also the README's "bring your own store": it must keep
// the same contract as the real stores (what the contract needs a raw handle for is skipped).
import { stateStoreContract } from "../contract/state-store.contract.js";
import { MemoryStateStore } from "../support/memory-store.js";

stateStoreContract("memory (a store an embedding platform could write)", async () => new MemoryStateStore());
