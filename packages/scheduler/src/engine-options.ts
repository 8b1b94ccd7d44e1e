import type { Plane } from "@millrace/contracts";
import type { RunnerAdapter, RunnerRegistry } from "@millrace/runners";
import type { IdFactory } from "./ids.js";
import type { MonitorListener } from "./monitor/monitor-events.js";
import type { EngineHooks } from "./ports.js";

export interface EngineOptions {
  /** The workspace root (the repository), not `millrace-agents/`. */
  workspace: string;
  /** Pin a mode for the engine's lifetime (otherwise `runtime.default_mode`). */
  mode?: string;
  clock?: () => Date;
  ids?: IdFactory;
  /** Runner adapters to add to (or replace in) the built-in registry. */
  runners?: readonly RunnerAdapter[];
  /** A complete registry to use instead of the built-in one. */
  registry?: RunnerRegistry;
  /** Environment for runner processes (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  hooks?: EngineHooks;
  /** Watch the ideas inbox, mailbox, queues and config with chokidar (daemon). Default false. */
  watch?: boolean;
  /** How this engine runs, recorded in the snapshot. Default `daemon`. */
  runtimeMode?: "once" | "daemon";
  monitor?: MonitorListener;
  /**
   * Check every runner the plan uses before the first tick and refuse (`runner_preflight_failed`)
   * when one cannot run. Default true; an embedder whose runners check themselves may turn it off.
   */
  preflight?: boolean;
  /** Packaged baseline root override (tests). */
  packagedAssetsRoot?: string;
}

export type TickReason =
  | "stage_completed"
  | "no_work"
  | "paused"
  | "stop_requested"
  | "stopping"
  | "working"
  | "runtime_error_scheduled";

export interface TickOutcome {
  reason: TickReason;
  /** The stages whose results were applied in this tick. */
  applied: Array<{
    plane: Plane;
    stage: string;
    terminalResult: string;
    failureClass: string | null;
    action: string | null;
  }>;
}

export interface DaemonOptions {
  /** Stop after this many cycles (then finish in-flight stages). */
  maxTicks?: number;
  /** Stop as soon as there is nothing to do. */
  untilIdle?: boolean;
  /** Abort: running stages are cut off and resumed at the next start. */
  signal?: AbortSignal;
}

export interface DaemonReport {
  ticks: number;
  stopReason: "stop_requested" | "max_ticks" | "idle" | "interrupted" | "not_running";
}
