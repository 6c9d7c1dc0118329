// Ctrl-C during a run: the first stops it gracefully (writes in flight finish and are recorded, the
// journal keeps anything in doubt, so the next run resumes); the second quits at once.
export async function interruptible<T>(run: (signal: AbortSignal) => Promise<T>, stderr: NodeJS.WriteStream = process.stderr): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    stderr.write("\nstopping after the writes in flight (Ctrl-C again to quit now; the next run resumes)\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * The stop button of `sync --watch`, listening for the whole loop (a signal between two runs
 * must stop the loop, not kill the process): it ends a sleep at once, or the loop after the run
 * in hand (whose own Ctrl-C handling, above, stops that run gracefully).
 */
export function watchStopper(): { readonly requested: boolean; sleep(ms: number): Promise<boolean>; dispose(): void } {
  let requested = false;
  let wake: (() => void) | null = null;
  const onSignal = () => {
    requested = true;
    wake?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    get requested() {
      return requested;
    },
    sleep(ms) {
      if (requested) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          wake = null;
          resolve(false);
        }, ms);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          resolve(true);
        };
      });
    },
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
