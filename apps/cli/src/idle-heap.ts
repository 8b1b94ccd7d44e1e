import v8 from "node:v8";
import vm from "node:vm";
import type { MonitorEvent } from "@millrace/scheduler";

/**
 * How long a daemon stays idle before it gives memory back. Short enough that an operator who looks
 * at an idle daemon sees the smaller figure, long enough that a queue fed item by item does not pay
 * a full collection between items.
 */
export const IDLE_HEAP_REDUCE_DELAY_MS = 2_000;

type GcFunction = (options?: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

let gcFunction: GcFunction | undefined;

/**
 * Gives the heap's emptied pages back. `gc()` collects the garbage (V8 unmaps the pages it leaves
 * empty shortly after, in the background); the options form with `flavor: "last-resort"` (what
 * `LowMemoryNotification` runs) adds V8's memory-reducing pass, which shrinks the young generation,
 * but on Node 20 (V8 11.3) frees almost no garbage on its own, hence both (docs/performance.md,
 * "Memory", fourth pass). Node exposes the function only through the `gc` extension, which
 * `--expose-gc` installs into contexts created while it is set; the flag is turned off again at
 * once so nothing else sees a `gc` global.
 */
export function memoryReducingGc(): void {
  if (gcFunction === undefined) {
    v8.setFlagsFromString("--expose-gc");
    try {
      gcFunction = vm.runInNewContext("gc") as GcFunction;
    } finally {
      v8.setFlagsFromString("--no-expose-gc");
    }
  }
  gcFunction();
  gcFunction({ type: "major", execution: "sync", flavor: "last-resort" });
}

export interface IdleHeapReducer {
  /** The engine's monitor listener: `runtime_idle` arms the timer, `stage_started` disarms it. */
  readonly listener: (event: MonitorEvent) => void;
  close(): void;
}

/**
 * Gives memory back once per idle spell: RSS follows the heap's high-water mark, and V8 neither
 * shrinks an idle heap nor collects an idle process (docs/performance.md, "Memory", fourth pass).
 * The engine announces idle once per spell; a stage starting before the delay cancels the
 * collection, and nothing is collected while work runs.
 */
export function idleHeapReducer(
  collect: () => void = memoryReducingGc,
  delayMs: number = IDLE_HEAP_REDUCE_DELAY_MS,
): IdleHeapReducer {
  let timer: NodeJS.Timeout | undefined;
  const disarm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    listener(event) {
      if (event.type === "stage_started") disarm();
      else if (event.type === "runtime_idle" && timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          collect();
        }, delayMs);
        // An idle daemon is kept alive by its watchers and its loop, never by this timer.
        timer.unref();
      }
    },
    close: disarm,
  };
}
