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
