import v8 from "node:v8";
import vm from "node:vm";
import type { MonitorEvent } from "@millrace/scheduler";

/**
 * How long a daemon stays idle before it gives memory back. Short enough that an operator who looks
 * at an idle daemon sees the smaller figure, long enough that a queue fed item by item does not pay
 * a full collection between items.
 */
export const IDLE_HEAP_REDUCE_DELAY_MS = 2_000;

type GcFunction = () => void;

let gcFunction: GcFunction | undefined;

/** V8's flag that makes a full collection move every live object off the pages it leaves sparse. */
export const COMPACTING_GC_FLAG = "--compact-on-every-full-gc";

/**
 * Whether the operator set COMPACTING_GC_FLAG (or its `--no-` form) on the node command line: then it
 * is theirs, and the idle collection leaves it as it is.
 */
export function compactionChosen(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) =>
    /^--(no-?)?compact[-_]on[-_]every[-_]full[-_]gc$/.test(arg),
  );
}

/**
 * Gives the heap's emptied pages back: one full, compacting collection. A plain full collection
 * frees the garbage but keeps every page that still holds a live object, and after a busy run the
 * live objects are spread thin over pages sized for the run's peak (docs/performance.md, "Memory",
 * fifth pass): COMPACTING_GC_FLAG, set for this one call and cleared again, makes it move the live
 * objects together so that V8 can unmap the rest (in the background, shortly after). Node exposes the
 * function only through the `gc` extension, which `--expose-gc` installs into contexts created while
 * it is set; that flag too is turned off again at once, so nothing else sees a `gc` global.
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
  if (compactionChosen()) {
    gcFunction();
    return;
  }
  v8.setFlagsFromString(COMPACTING_GC_FLAG);
  try {
    gcFunction();
  } finally {
    v8.setFlagsFromString("--no-compact-on-every-full-gc");
  }
}

export interface IdleHeapReducer {
  /** The engine's monitor listener: `runtime_idle` arms the timer, `stage_started` disarms it. */
  readonly listener: (event: MonitorEvent) => void;
  close(): void;
}

/**
 * Gives memory back once per idle spell: RSS follows the heap's high-water mark, and V8 neither
 * shrinks an idle heap nor collects an idle process (docs/performance.md, "Memory", fourth and
 * fifth passes).
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
