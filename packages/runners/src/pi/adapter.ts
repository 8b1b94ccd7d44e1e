import { writeFileSync } from "node:fs";
import type {
  RunnerAdapter,
  RunnerContext,
  RunnerRawResultInput,
  StageRunRequest,
} from "@millrace/contracts";
import { finishStage, writeFinalText } from "../finish/finish-stage.js";
import type { RunningProcess } from "../process/run-process.js";
import { launchStageProcess, stageTimeoutMs } from "../process/stage-process.js";
import { redactText } from "../secrets/redact.js";
import { piArgs, piToolsLimited } from "./args.js";
import { PI_CAPABILITIES } from "./capabilities.js";
import { piVerdict } from "./failure.js";
import { piGrantEnforcement } from "./grants.js";
import { piPreflight } from "./preflight.js";
import { delay, PiRpcClient } from "./rpc.js";
import { PiStreamState } from "./stream.js";

export const PI_RUNNER_NAME = "pi_rpc";

export interface PiAdapterOptions {
  /** How long to wait after a failed attempt's `agent_end` for Pi to announce an auto-retry. */
  readonly retryAnnounceMs?: number;
  /** Budget for follow-up queries after the run (last assistant text). */
  readonly queryTimeoutMs?: number;
  /** After a deadline: wait this long for `agent_end` following `abort` before killing. */
  readonly abortGraceMs?: number;
}

interface Conversation {
  sessionId: string | undefined;
  rejected: string | undefined;
  finalText: string | undefined;
  abortSent: boolean;
  notes: string[];
}

/**
 * The RPC conversation: ask for the session, send the prompt, wait for the terminal state (or our
 * deadline: `abort`, a grace period, then process control), then ask for the last assistant text.
 */
async function converse(
  ctx: RunnerContext,
  running: RunningProcess,
  rpc: PiRpcClient,
  stream: PiStreamState,
  timing: { deadlineMs: number; abortGraceMs: number; queryTimeoutMs: number },
): Promise<Conversation> {
  const talk: Conversation = {
    sessionId: undefined,
    rejected: undefined,
    finalText: undefined,
    abortSent: false,
    notes: [],
  };
  const deadline = setTimeout(() => {
    talk.abortSent = rpc.send({ id: "abort-1", type: "abort" });
    setTimeout(
      () => running.stop("timeout", `exceeded ${timing.deadlineMs / 1000} s`),
      stream.terminal ? 0 : timing.abortGraceMs,
    ).unref();
  }, timing.deadlineMs);

  const state = await rpc.ask("get-state-1", { type: "get_state" }, timing.queryTimeoutMs);
  if (typeof state === "object") {
    const data = state.data as Record<string, unknown> | undefined;
    if (typeof data?.sessionId === "string") talk.sessionId = data.sessionId;
  }
  const promptResponse = await rpc.ask(
    "prompt-1",
    { type: "prompt", message: ctx.prompt },
    timing.deadlineMs + timing.abortGraceMs + 5_000,
  );
  if (typeof promptResponse === "object" && promptResponse.success === false) {
    talk.rejected = typeof promptResponse.error === "string" ? promptResponse.error : "prompt rejected";
  } else if (typeof promptResponse === "object") {
    const how = await Promise.race([stream.terminalReached, rpc.exited]);
    if (how === "terminal" && !talk.abortSent) {
      const last = await rpc.ask(
        "last-assistant-1",
        { type: "get_last_assistant_text" },
        timing.queryTimeoutMs,
      );
      if (typeof last === "object" && last.success !== false) {
        const data = last.data as Record<string, unknown> | undefined;
        if (typeof data?.text === "string") talk.finalText = data.text;
      } else {
        talk.notes.push("get_last_assistant_text did not answer; using the agent_end messages");
      }
    }
  }
  clearTimeout(deadline);
  return talk;
}

export function createPiAdapter(options: PiAdapterOptions = {}): RunnerAdapter {
  const retryAnnounceMs = options.retryAnnounceMs ?? 1_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  const abortGraceMs = options.abortGraceMs ?? 2_000;
  return {
    name: PI_RUNNER_NAME,
    capabilities: PI_CAPABILITIES,
    enforceCapabilities: (grants, config) =>
      piGrantEnforcement(grants, piToolsLimited(config.runners.pi.args)),

    preflight: (config, env = process.env, preflightOptions = {}) =>
      piPreflight(config, env, preflightOptions),

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const pi = ctx.config.runners.pi;
      const stream = new PiStreamState(retryAnnounceMs, (response) => rpc.answer(response));
      const deadlineMs = stageTimeoutMs(request, ctx);
      const running = launchStageProcess(request, ctx, {
        timeoutMs: deadlineMs + abortGraceMs + 1_000,
        command: pi.command,
        args: piArgs(ctx.config, request),
        cwd: ctx.workspaceRoot,
        envOverlay: pi.env,
        // RPC: stdin stays open until the run is over (EOF makes Pi exit at once, even mid-run).
        stdin: { kind: "pipe" },
        onStdoutLine: (line) => stream.readLine(line),
      });
      const rpc = new PiRpcClient(running);
      const talk = await converse(ctx, running, rpc, stream, { deadlineMs, abortGraceMs, queryTimeoutMs });
      stream.dispose();
      // Shutdown: close stdin, give Pi a second, then process control stops whatever is left.
      running.endStdin();
      const ended = await Promise.race([rpc.exited, delay(1_000).then(() => "waiting" as const)]);
      if (ended !== "exited") running.stop("requested", "shutdown after the run");
      const outcome = await running.outcome;

      const text = talk.finalText ?? stream.terminal?.text ?? "";
      const notes = [...talk.notes, ...stream.notes()];
      if (talk.abortSent) notes.push("abort sent at the deadline");
      let raw = finishStage(request, ctx, {
        runnerName: PI_RUNNER_NAME,
        command: pi.command,
        outcome,
        fields: {
          stdout_path: text.length > 0 ? writeFinalText(ctx, text) : null,
          event_log_path: null,
          token_usage: stream.usage ?? null,
          session_id: talk.sessionId ?? null,
        },
        notes,
        markerText: text,
        classify: (exited) =>
          piVerdict(
            { terminal: stream.terminal, text, retries: stream.retries, deadlineMs, ...talk },
            exited,
          ),
      });
      if (stream.keptEvents.length > 0 && (pi.event_log_policy === "full" || raw.exit_kind !== "completed")) {
        writeFileSync(
          ctx.artifacts.events,
          redactText(`${stream.keptEvents.join("\n")}\n`, ctx.secrets ?? new Map()),
        );
        raw = { ...raw, event_log_path: ctx.artifacts.events };
      }
      return raw;
    },
  };
}
