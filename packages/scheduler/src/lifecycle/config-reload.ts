import type { MillraceConfig, Plane } from "@millrace/contracts";
import { loadConfig } from "@millrace/workspace";
import type { EngineOptions } from "../engine-options.js";
import { type EngineContext, emitMonitor, recordEvent } from "../state/context.js";
import { compilePlan } from "./start.js";

/**
 * Config reloads for a running engine. A reload is requested (mailbox `reload_config`, or the
 * watcher seeing the config file change) and applied at the next boundary with no stage running.
 * A reload that fails keeps the running config and plan; the snapshot and the log say why.
 */
export class ConfigReloader {
  private pending: MillraceConfig | undefined;

  constructor(private readonly options: EngineOptions) {}

  /** Reads the config now (so a broken file is reported at once) and holds it for the next boundary. */
  request(ctx: EngineContext): void {
    try {
      this.pending = loadConfig(ctx.paths);
    } catch (error) {
      recordReloadFailure(ctx, error);
    }
  }

  /** Applies a held reload unless stages are running (then it waits, and says so on the monitor). */
  applyPending(ctx: EngineContext, busyPlanes: Plane[]): void {
    if (!this.pending) return;
    if (busyPlanes.length > 0) {
      emitMonitor(ctx, {
        type: "reload_deferred",
        at: ctx.clock(),
        reason: "stage running",
        activePlanes: busyPlanes,
      });
      return;
    }
    const config = this.pending;
    this.pending = undefined;
    try {
      const compiled = compilePlan(this.options, ctx.paths.root, config, ctx.clock);
      const planChanged = compiled.plan.compiled_plan_id !== ctx.plan.compiled_plan_id;
      const wasLastKnownGood = ctx.snapshot.last_reload_outcome === "failed_retained_previous_plan";
      ctx.config = config;
      ctx.plan = compiled.plan;
      ctx.governance?.reconfigure(config);
      ctx.snapshot = {
        ...ctx.snapshot,
        compiled_plan_id: compiled.plan.compiled_plan_id,
        config_version: compiled.plan.compile_input_fingerprint.config_fingerprint,
        last_reload_outcome: "applied",
        last_reload_error: null,
      };
      recordEvent(ctx, "runtime_config_reloaded", {
        compiled_plan_id: compiled.plan.compiled_plan_id,
        recompiled: !compiled.reused,
        plan_changed: planChanged,
      });
      if (wasLastKnownGood) {
        emitMonitor(ctx, {
          type: "notice",
          at: ctx.clock(),
          message: `plan: ${compiled.plan.compiled_plan_id} (reloaded; no longer the last known good)`,
        });
      }
    } catch (error) {
      recordReloadFailure(ctx, error);
    }
  }
}

/**
 * A failed reload: the running plan stays in force (the last known good), the snapshot and the log
 * say why, and the monitor says so once per failure (the same failure again is not repeated).
 */
function recordReloadFailure(ctx: EngineContext, error: unknown): void {
  const message = (error as Error).message;
  const repeated =
    ctx.snapshot.last_reload_outcome === "failed_retained_previous_plan" &&
    ctx.snapshot.last_reload_error === message;
  if (!repeated) {
    emitMonitor(ctx, {
      type: "notice",
      at: ctx.clock(),
      message: `plan: last known good (reload failed: ${message})`,
    });
  }
  ctx.snapshot = {
    ...ctx.snapshot,
    last_reload_outcome: "failed_retained_previous_plan",
    last_reload_error: message,
  };
  recordEvent(ctx, "runtime_config_reload_failed", { retained_previous_plan: true, error: message });
}
