import { createHash } from "node:crypto";
import { rmSync, statSync } from "node:fs";
import path from "node:path";
import { formatTimestamp, type PreflightResult, type StatusRunnerPause } from "@millrace/contracts";
import { writeJsonAtomicSync } from "@millrace/workspace";
import type { RunnerHold, StageCompletion } from "../apply/stage-completion.js";
import { commit, type EngineContext, recordEvent } from "../state/context.js";
import { removePauseSource } from "../state/pause-sources.js";
import { readRunnerPause, runnerPausePath } from "../state/runner-pause-file.js";
import { type PreflightScope, preflightRefusal, preflightRunners } from "./runner-preflight.js";

/** The shortest interval between two availability checks while paused (each is a PATH lookup and a stat). */
const RECHECK_FLOOR_MS = 2_000;

function scopeOf(ctx: EngineContext): PreflightScope {
  return {
    config: ctx.config,
    plan: ctx.plan,
    env: ctx.env,
    registry: ctx.registry,
    runtimeRoot: ctx.paths.runtimeRoot,
  };
}

/**
 * What the runner's credential looks like from outside (where it is, the file's mtime, the config
 * version), hashed; never a secret's value. When the provider rejected a credential the preflight
 * cannot fault, the pause waits for this to change instead of retrying the same credential.
 */
function credentialStamp(ctx: EngineContext, result: PreflightResult | null): string {
  const source = result?.credential?.source ?? null;
  let mtime: number | null = null;
  try {
    if (source && path.isAbsolute(source)) mtime = statSync(source).mtimeMs;
  } catch {
    mtime = -1;
  }
  const seen = JSON.stringify([result?.credential ?? null, mtime, ctx.snapshot.config_version]);
  return createHash("sha256").update(seen).digest("hex").slice(0, 16);
}

/** Lifts the `runner_unavailable` pause source: the held stage is dispatched again by the next cycle. */
export function liftRunnerPause(ctx: EngineContext, runner: string): void {
  ctx.snapshot = removePauseSource(ctx.snapshot, "runner_unavailable");
  rmSync(runnerPausePath(ctx.paths), { force: true });
  recordEvent(ctx, "runtime_runner_available", { runner });
}

/**
 * The `runner_unavailable` pause: recorded when a stage is held for its runner, checked at a cheap
 * cadence while it holds (no busy polling: the engine sleeps until the next check), lifted once the
 * runner's preflight passes again.
 */
export class RunnerAvailability {
  private nextCheckAt = 0;

  private intervalMs(ctx: EngineContext): number {
    return Math.max(ctx.config.runtime.idle_sleep_seconds * 1000, RECHECK_FLOOR_MS);
  }

  /** Records why a held stage's runner cannot run (its preflight's words, else the stage's failure). */
  async recordHold(ctx: EngineContext, completion: StageCompletion, hold: RunnerHold): Promise<void> {
    const [finding] = await preflightRunners(scopeOf(ctx), { probeVersion: false, only: hold.runner });
    const problems = finding?.problems ?? [];
    const stageNote = completion.envelope.notes.filter((note) => note.trim()).slice(-1)[0];
    const reason =
      problems.length > 0
        ? problems.join("; ")
        : `the agent was refused (${stageNote ?? hold.failureClass}); the pause lifts when its credentials change, or restart the daemon after fixing them`;
    const record: StatusRunnerPause = {
      runner: hold.runner,
      failure_class: hold.failureClass,
      reason,
      plane: completion.plane,
      run_id: completion.run.run_id,
      stage: completion.run.stage,
      since: formatTimestamp(ctx.clock()),
    };
    const stamp = problems.length > 0 ? null : credentialStamp(ctx, finding?.result ?? null);
    writeJsonAtomicSync(runnerPausePath(ctx.paths), { ...record, stamp });
    const { since: _since, ...event } = record;
    recordEvent(ctx, "runtime_runner_unavailable", event);
    this.nextCheckAt = ctx.clock().getTime() + this.intervalMs(ctx);
    commit(ctx, { counters: false });
  }

  /** While the pause holds and a check is due: lifts it when the runner's preflight passes. */
  async recheck(ctx: EngineContext): Promise<void> {
    if (!ctx.snapshot.pause_sources.includes("runner_unavailable")) return;
    const now = ctx.clock().getTime();
    if (now < this.nextCheckAt) return;
    this.nextCheckAt = now + this.intervalMs(ctx);
    const record = readRunnerPause(ctx.paths);
    const findings = await preflightRunners(scopeOf(ctx), {
      probeVersion: false,
      ...(record ? { only: record.runner } : {}),
    });
    if (findings.some((finding) => finding.problems.length > 0)) return;
    if (record?.stamp && credentialStamp(ctx, findings[0]?.result ?? null) === record.stamp) return;
    liftRunnerPause(ctx, record?.runner ?? (findings.map((finding) => finding.runner).join(",") || "none"));
    commit(ctx, { counters: false });
  }

  /** Milliseconds until the next check, while the pause holds; otherwise null. */
  delayMs(ctx: EngineContext): number | null {
    if (!ctx.snapshot.pause_sources.includes("runner_unavailable")) return null;
    return Math.max(this.nextCheckAt - ctx.clock().getTime(), 0) + 1;
  }
}

/**
 * `run`'s preflight, before the first tick: refuses (`runner_preflight_failed`) when a runner the
 * plan uses cannot run; otherwise a `runner_unavailable` pause left by an earlier life lifts (a
 * restart is how an operator says a credential was fixed).
 */
export async function preflightAtStart(ctx: EngineContext): Promise<void> {
  const findings = await preflightRunners(scopeOf(ctx), { probeVersion: true });
  const failing = findings.filter((finding) => finding.problems.length > 0);
  if (failing.length > 0) throw preflightRefusal(ctx.plan.mode_id, failing);
  if (ctx.snapshot.pause_sources.includes("runner_unavailable")) {
    liftRunnerPause(
      ctx,
      readRunnerPause(ctx.paths)?.runner ?? (findings.map((f) => f.runner).join(",") || "none"),
    );
  }
}
