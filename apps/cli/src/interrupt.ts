/** Exit statuses after a signal, as shells report them (128 + the signal number). */
export const SIGNAL_EXIT_STATUS = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_STATUS;

export interface Interrupt {
  /** Aborts on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM, undefined when neither arrived. */
  exitStatus(): number | undefined;
  dispose(): void;
}

/**
 * Turns Ctrl-C / SIGTERM into an abort the command can finish cleanly on (a daemon stops its
 * ticks, a follow loop stops reading), then exits with the status a shell expects.
 */
export function listenForInterrupt(): Interrupt {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handlers = {
    SIGINT: () => stop("SIGINT"),
    SIGTERM: () => stop("SIGTERM"),
  };
  function dispose(): void {
    process.off("SIGINT", handlers.SIGINT);
    process.off("SIGTERM", handlers.SIGTERM);
  }
  function stop(name: StopSignal): void {
    received ??= name;
    // A second Ctrl-C while the clean stop is under way ends the process the default way.
    dispose();
    controller.abort();
  }
  process.on("SIGINT", handlers.SIGINT);
  process.on("SIGTERM", handlers.SIGTERM);
  return {
    signal: controller.signal,
    exitStatus: () => (received ? SIGNAL_EXIT_STATUS[received] : undefined),
    dispose,
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
