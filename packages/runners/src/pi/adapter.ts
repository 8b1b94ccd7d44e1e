import { writeFileSync } from "node:fs";
import type { MillraceConfig, RunnerRawResultInput, StageRunRequest, TokenUsage } from "@millrace/contracts";
import type { PreflightResult, RunnerAdapter, RunnerContext } from "../adapter.js";
import { addUsage } from "../codex/events.js";
import { reconcileAfterTimeout } from "../markers.js";
import { commandAvailable } from "../preflight.js";
import { parseJsonObjectLine } from "../process/line-splitter.js";
import {
  exitCodeOf,
  launchStageProcess,
  processVerdict,
  rawBase,
  stageTimeoutMs,
} from "../process/stage-process.js";
import { classifyProviderMessage } from "../provider-errors.js";

export const PI_RUNNER_NAME = "pi_rpc";

export interface PiAdapterOptions {
  /** How long to wait after a failed attempt's `agent_end` for Pi to announce an auto-retry. */
  readonly retryAnnounceMs?: number;
  /** Budget for follow-up queries after the run (last assistant text). */
  readonly queryTimeoutMs?: number;
  /** After a deadline: wait this long for `agent_end` following `abort` before killing. */
  readonly abortGraceMs?: number;
}

export function piThinking(config: MillraceConfig, request: StageRunRequest): string | undefined {
  return request.thinking_level ?? config.runners.pi.thinking ?? request.model_reasoning_effort ?? undefined;
}

export function piArgs(config: MillraceConfig, request: StageRunRequest): string[] {
  const pi = config.runners.pi;
  const thinking = piThinking(config, request);
  return [
    ...pi.args,
    "--mode",
    "rpc",
    "--no-session",
    ...(pi.provider ? ["--provider", pi.provider] : []),
    ...(request.model_name ? ["--model", request.model_name] : []),
    ...(thinking ? ["--thinking", thinking] : []),
    ...(pi.disable_context_files ? ["--no-context-files"] : []),
    ...(pi.disable_skills ? ["--no-skills"] : []),
  ];
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Usage of one assistant `message_end`: Pi's input excludes cache reads and writes. */
export function usageFromPiMessage(message: Record<string, unknown>): TokenUsage | undefined {
  const usage = message.usage as Record<string, unknown> | undefined;
  if (!usage || typeof usage !== "object") return undefined;
  const input = Math.round(num(usage.input) + num(usage.cacheRead) + num(usage.cacheWrite));
  const output = Math.round(num(usage.output));
  const cost = usage.cost as Record<string, unknown> | undefined;
  return {
    input_tokens: input,
    cached_input_tokens: Math.round(num(usage.cacheRead)),
    output_tokens: output,
    thinking_tokens: 0,
    total_tokens: input + output,
    cache_write_input_tokens: Math.round(num(usage.cacheWrite)),
    cost_usd: num(cost?.total),
  };
}

function assistantText(message: Record<string, unknown> | undefined): string {
  const content = message?.content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => part && part.type === "text" && typeof part.text === "string")
    .map((part) => part.text as string)
    .join("");
}

function lastAssistant(messages: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message && typeof message === "object" && (message as Record<string, unknown>).role === "assistant") {
      return message as Record<string, unknown>;
    }
  }
  return undefined;
}

interface Terminal {
  readonly failed: boolean;
  readonly message: string | undefined;
  readonly text: string;
}

export function createPiAdapter(options: PiAdapterOptions = {}): RunnerAdapter {
  const retryAnnounceMs = options.retryAnnounceMs ?? 1_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  const abortGraceMs = options.abortGraceMs ?? 2_000;
  return {
    name: PI_RUNNER_NAME,

    async preflight(config, env = process.env): Promise<PreflightResult> {
      const merged = { ...env, ...config.runners.pi.env };
      const ok = commandAvailable(config.runners.pi.command, merged);
      return { ok, problems: ok ? [] : [`the Pi executable ${config.runners.pi.command} was not found`] };
    },

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const pi = ctx.config.runners.pi;
      const keptEvents: string[] = [];
      const pending = new Map<string, (response: Record<string, unknown>) => void>();
      let usage: TokenUsage | undefined;
      let sessionId: string | undefined;
      let retries = 0;
      let nonJson = 0;
      let terminal: Terminal | undefined;
      let onTerminal: (() => void) | undefined;
      let retryTimer: NodeJS.Timeout | undefined;

      const finish = (value: Terminal) => {
        if (terminal) return;
        terminal = value;
        onTerminal?.();
      };

      const deadlineMs = stageTimeoutMs(request, ctx);
      const running = launchStageProcess(request, ctx, {
        timeoutMs: deadlineMs + abortGraceMs + 1_000,
        command: pi.command,
        args: piArgs(ctx.config, request),
        cwd: ctx.workspaceRoot,
        envOverlay: pi.env,
        // RPC: stdin stays open until the run is over (EOF makes Pi exit at once, even mid-run).
        stdin: { kind: "pipe" },
        onStdoutLine: (line) => {
          const event = parseJsonObjectLine(line);
          if (!event) {
            if (line.trim()) nonJson += 1;
            return;
          }
          if (event.type !== "message_update") keptEvents.push(line);
          switch (event.type) {
            case "response": {
              const id = typeof event.id === "string" ? event.id : undefined;
              const resolve = id ? pending.get(id) : undefined;
              if (id && resolve) {
                pending.delete(id);
                resolve(event);
              }
              break;
            }
            case "message_end": {
              const message = event.message as Record<string, unknown> | undefined;
              if (message?.role === "assistant") {
                const one = usageFromPiMessage(message);
                if (one) usage = usage ? addUsage(usage, one) : one;
              }
              break;
            }
            case "agent_end": {
              const last = lastAssistant(event.messages);
              const stopReason = last?.stopReason;
              const text = assistantText(last);
              if (stopReason === "error") {
                // agent_end is per attempt: Pi may announce a retry right after it.
                const message = typeof last?.errorMessage === "string" ? last.errorMessage : "provider error";
                retryTimer = setTimeout(() => finish({ failed: true, message, text }), retryAnnounceMs);
              } else {
                finish({
                  failed: stopReason === "aborted",
                  message: typeof last?.errorMessage === "string" ? last.errorMessage : undefined,
                  text,
                });
              }
              break;
            }
            case "auto_retry_start":
              retries += 1;
              if (retryTimer) clearTimeout(retryTimer);
              break;
            case "auto_retry_end":
              if (event.success === false) {
                finish({
                  failed: true,
                  message: typeof event.finalError === "string" ? event.finalError : "retries exhausted",
                  text: "",
                });
              }
              break;
            default:
              break;
          }
        },
      });

      const exited = running.outcome.then(() => "exited" as const);
      const send = (command: Record<string, unknown>) => running.writeStdin(`${JSON.stringify(command)}\n`);
      const ask = (id: string, command: Record<string, unknown>, waitMs: number) =>
        Promise.race([
          new Promise<Record<string, unknown>>((resolve) => {
            pending.set(id, resolve);
            send({ id, ...command });
          }),
          exited,
          delay(waitMs).then(() => "timeout" as const),
        ]);
      const terminalReached = new Promise<"terminal">((resolve) => {
        onTerminal = () => resolve("terminal");
      });

      // Our own deadline: ask Pi to abort, give it a moment, then the process-control stop.
      let abortSent = false;
      const deadline = setTimeout(() => {
        abortSent = send({ id: "abort-1", type: "abort" });
        setTimeout(
          () => running.stop("timeout", `exceeded ${deadlineMs / 1000} s`),
          terminal ? 0 : abortGraceMs,
        ).unref();
      }, deadlineMs);

      const notes: string[] = [];
      let rejected: string | undefined;
      let finalText: string | undefined;
      const state = await ask("get-state-1", { type: "get_state" }, queryTimeoutMs);
      if (typeof state === "object") {
        const data = state.data as Record<string, unknown> | undefined;
        if (typeof data?.sessionId === "string") sessionId = data.sessionId;
      }
      const promptResponse = await ask(
        "prompt-1",
        { type: "prompt", message: ctx.prompt },
        deadlineMs + abortGraceMs + 5_000,
      );
      if (typeof promptResponse === "object" && promptResponse.success === false) {
        rejected = typeof promptResponse.error === "string" ? promptResponse.error : "prompt rejected";
      } else if (typeof promptResponse === "object") {
        const how = await Promise.race([terminalReached, exited]);
        if (how === "terminal" && !abortSent) {
          const last = await ask("last-assistant-1", { type: "get_last_assistant_text" }, queryTimeoutMs);
          if (typeof last === "object" && last.success !== false) {
            const data = last.data as Record<string, unknown> | undefined;
            if (typeof data?.text === "string") finalText = data.text;
          } else {
            notes.push("get_last_assistant_text did not answer; using the agent_end messages");
          }
        }
      }
      clearTimeout(deadline);
      if (retryTimer) clearTimeout(retryTimer);
      // Shutdown: close stdin, give Pi a second, then process control stops whatever is left.
      running.endStdin();
      const ended = await Promise.race([exited, delay(1_000).then(() => "waiting" as const)]);
      if (ended !== "exited") running.stop("requested", "shutdown after the run");
      const outcome = await running.outcome;

      const text = finalText ?? terminal?.text ?? "";
      let stdoutPath: string | null = null;
      if (text.length > 0) {
        writeFileSync(ctx.artifacts.stdout, text.endsWith("\n") ? text : `${text}\n`);
        stdoutPath = ctx.artifacts.stdout;
      }
      if (nonJson > 0) notes.push(`ignored ${nonJson} non-JSON stdout line(s)`);
      if (retries > 0) notes.push(`pi auto-retries: ${retries}`);
      if (abortSent) notes.push("abort sent at the deadline");
      if (outcome.leakedKilled.length > 0)
        notes.push(`killed leftover processes: ${outcome.leakedKilled.join(", ")}`);

      const verdict = processVerdict(outcome, pi.command, ctx.artifacts.stderr);
      const base = {
        ...rawBase(request, PI_RUNNER_NAME, outcome),
        stdout_path: stdoutPath,
        stderr_path: ctx.artifacts.stderr,
        event_log_path: null as string | null,
        token_usage: usage ?? null,
        session_id: sessionId ?? null,
      };
      let raw: RunnerRawResultInput;
      if (verdict) {
        raw = {
          ...base,
          exit_kind: verdict.exitKind,
          exit_code: verdict.exitCode,
          failure_class: verdict.failureClass,
          notes: [...notes, verdict.note],
        };
        raw = reconcileAfterTimeout(request, raw, text);
      } else if (abortSent) {
        // Our deadline fired and Pi obeyed the abort before process control had to stop it: a timeout.
        raw = {
          ...base,
          exit_kind: "timeout",
          exit_code: 124,
          failure_class: "runner_timeout",
          notes: [...notes, `exceeded ${deadlineMs / 1000} s; pi aborted the run`],
        };
        raw = reconcileAfterTimeout(request, raw, text);
      } else if (rejected !== undefined) {
        const auth = classifyProviderMessage(rejected) === "runner_auth_failure";
        raw = {
          ...base,
          exit_kind: auth ? "provider_error" : "runner_error",
          exit_code: 1,
          failure_class: auth ? "runner_auth_failure" : "runner_rpc_rejected",
          notes: [...notes, `prompt rejected: ${rejected.split("\n")[0]}`],
        };
      } else if (!terminal) {
        raw = {
          ...base,
          exit_kind: "runner_error",
          exit_code: exitCodeOf(outcome) || 1,
          failure_class: "runner_incomplete_rpc_stream",
          notes: [...notes, "pi ended before the run finished (no final agent_end)"],
        };
      } else if (terminal.failed && text.trim().length === 0) {
        const message = terminal.message ?? "provider error";
        const cls = classifyProviderMessage(message);
        raw = {
          ...base,
          exit_kind: "provider_error",
          exit_code: 1,
          failure_class: cls === "runner_provider_failure" && retries > 0 ? "runner_retry_exhausted" : cls,
          notes: [...notes, `provider failure: ${message}`],
        };
      } else if (text.trim().length === 0) {
        raw = {
          ...base,
          exit_kind: "runner_error",
          exit_code: 1,
          failure_class: "runner_empty_assistant_text",
          notes: [...notes, "pi finished without assistant text"],
        };
      } else {
        raw = { ...base, exit_kind: "completed", exit_code: 0, failure_class: null, notes };
      }
      if (keptEvents.length > 0 && (pi.event_log_policy === "full" || raw.exit_kind !== "completed")) {
        writeFileSync(ctx.artifacts.events, `${keptEvents.join("\n")}\n`);
        raw = { ...raw, event_log_path: ctx.artifacts.events };
      }
      return raw;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
