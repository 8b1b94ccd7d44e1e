import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import type {
  MillraceConfig,
  PermissionLevel,
  RunnerFailureClass,
  RunnerRawResultInput,
  StageRunRequest,
  TokenUsage,
} from "@millrace/contracts";
import type { PreflightResult, RunnerAdapter, RunnerContext } from "../adapter.js";
import { reconcileAfterTimeout } from "../markers.js";
import { resolvePermissionLevel } from "../permission.js";
import { agentPreflight, firstSet, homeDir } from "../preflight.js";
import { parseJsonObjectLine } from "../process/line-splitter.js";
import {
  credentialRefusal,
  exitCodeOf,
  launchStageProcess,
  processVerdict,
  rawBase,
  stderrTail,
} from "../process/stage-process.js";
import { classifyProviderMessage } from "../provider-errors.js";

export const CLAUDE_RUNNER_NAME = "claude_code";

export interface ClaudeAdapterOptions {
  /** `system/api_retry` events tolerated before the stage is stopped. */
  readonly maxRetryNotices?: number;
}

export function claudePermissionFlags(level: PermissionLevel): string[] {
  switch (level) {
    case "basic":
      return ["--permission-mode", "acceptEdits"];
    case "elevated":
      return ["--permission-mode", "bypassPermissions"];
    default:
      return ["--dangerously-skip-permissions"];
  }
}

export function claudePermissionLevel(config: MillraceConfig, request: StageRunRequest): PermissionLevel {
  return resolvePermissionLevel(config.runners.claude, request);
}

/** Claude's `--effort` takes low|medium|high|xhigh|max; thinking levels map onto it. */
export function claudeEffort(request: StageRunRequest): string | undefined {
  const level = request.thinking_level ?? request.model_reasoning_effort ?? undefined;
  if (!level || level === "off") return undefined;
  return level === "minimal" ? "low" : level;
}

/** The argument vector after the command. The prompt goes on stdin: variadic flags would swallow it. */
export function claudeArgs(config: MillraceConfig, request: StageRunRequest): string[] {
  const effort = claudeEffort(request);
  return [
    ...config.runners.claude.args,
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--no-session-persistence",
    ...(request.model_name ? ["--model", request.model_name] : []),
    ...(effort ? ["--effort", effort] : []),
    ...claudePermissionFlags(claudePermissionLevel(config, request)),
  ];
}

export function claudeCredentialProblems(
  config: MillraceConfig,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const merged = { ...env, ...config.runners.claude.env };
  const problems: string[] = [];
  const configDir = merged.CLAUDE_CONFIG_DIR ?? path.join(homeDir(merged), ".claude");
  const hasKey =
    firstSet(merged, ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"]) !==
      undefined || existsSync(path.join(configDir, ".credentials.json"));
  if (!hasKey) {
    problems.push(
      "no Claude credentials: set ANTHROPIC_API_KEY (environment or [runners.claude.env]) or log in with `claude`",
    );
  }
  const skipsPermissions = Object.values(config.runners.claude.permission_by_stage)
    .concat(Object.values(config.runners.claude.permission_by_model), [
      config.runners.claude.permission_default,
    ])
    .includes("maximum");
  if (skipsPermissions && process.getuid?.() === 0 && merged.IS_SANDBOX !== "1") {
    problems.push(
      'running as root, claude refuses --dangerously-skip-permissions; if this is a sandbox set [runners.claude.env] IS_SANDBOX = "1", or lower the permission level',
    );
  }
  return problems;
}

function int(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

/** Usage from the final `result` message: `modelUsage` summed over models, else `usage`. */
export function usageFromClaudeResult(result: Record<string, unknown>): TokenUsage | undefined {
  const cost = typeof result.total_cost_usd === "number" ? result.total_cost_usd : undefined;
  let input = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let output = 0;
  let thinking = 0;
  const models = result.modelUsage;
  if (models && typeof models === "object" && Object.keys(models).length > 0) {
    for (const entry of Object.values(models as Record<string, Record<string, unknown>>)) {
      input += int(entry.inputTokens);
      cacheRead += int(entry.cacheReadInputTokens);
      cacheWrite += int(entry.cacheCreationInputTokens);
      output += int(entry.outputTokens);
      thinking += int(entry.thinkingTokens);
    }
  } else if (result.usage && typeof result.usage === "object") {
    const usage = result.usage as Record<string, unknown>;
    input = int(usage.input_tokens);
    cacheRead = int(usage.cache_read_input_tokens);
    cacheWrite = int(usage.cache_creation_input_tokens);
    output = int(usage.output_tokens);
    const details = usage.output_tokens_details as Record<string, unknown> | undefined;
    thinking = int(details?.thinking_tokens);
  } else {
    return undefined;
  }
  // Claude's input excludes cache traffic; ours counts every prompt token.
  const allInput = input + cacheRead + cacheWrite;
  return {
    input_tokens: allInput,
    cached_input_tokens: cacheRead,
    output_tokens: output,
    thinking_tokens: thinking,
    total_tokens: allInput + output,
    cache_write_input_tokens: cacheWrite,
    ...(cost !== undefined ? { cost_usd: cost } : {}),
  };
}

function claudeFailureClass(
  result: Record<string, unknown>,
  assistantError: string | undefined,
): RunnerFailureClass {
  if (assistantError === "authentication_failed" || result.api_error_status === 401)
    return "runner_auth_failure";
  if (assistantError === "rate_limit" || result.api_error_status === 429) return "runner_rate_limited";
  if (result.subtype === "error_max_turns") return "runner_max_turns";
  if (result.subtype === "error_max_budget_usd") return "runner_budget_exhausted";
  const text = [result.result, ...(Array.isArray(result.errors) ? result.errors : [])]
    .filter((x) => typeof x === "string")
    .join(" ");
  return classifyProviderMessage(text);
}

export function createClaudeAdapter(options: ClaudeAdapterOptions = {}): RunnerAdapter {
  const maxRetryNotices = options.maxRetryNotices ?? 20;
  return {
    name: CLAUDE_RUNNER_NAME,

    async preflight(config, env = process.env): Promise<PreflightResult> {
      return agentPreflight("Claude Code", config.runners.claude, env, claudeCredentialProblems(config, env));
    },

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const claude = ctx.config.runners.claude;
      const args = claudeArgs(ctx.config, request);
      const problems = claudeCredentialProblems(ctx.config, ctx.baseEnv);
      if (problems.length > 0) {
        // Fail in milliseconds instead of retrying until the deadline.
        return credentialRefusal(
          request,
          ctx,
          { name: CLAUDE_RUNNER_NAME, command: claude.command, args, env: claude.env },
          problems,
        );
      }

      let sessionId: string | undefined;
      let result: Record<string, unknown> | undefined;
      let assistantError: string | undefined;
      let lastAssistantText: string | undefined;
      let retries = 0;
      let retryStop = false;
      let nonJson = 0;
      const running = launchStageProcess(request, ctx, {
        command: claude.command,
        args,
        cwd: ctx.workspaceRoot,
        envOverlay: claude.env,
        stdin: { kind: "text", text: ctx.prompt },
        stdoutPath: ctx.artifacts.events,
        onStdoutLine: (line) => {
          const event = parseJsonObjectLine(line);
          if (!event) {
            if (line.trim()) nonJson += 1;
            return;
          }
          if (typeof event.session_id === "string") sessionId = event.session_id;
          if (event.type === "result") result = event;
          else if (event.type === "assistant") {
            if (typeof event.error === "string") assistantError = event.error;
            const content = (event.message as Record<string, unknown> | undefined)?.content;
            if (Array.isArray(content)) {
              const text = content
                .filter((part) => part && part.type === "text" && typeof part.text === "string")
                .map((part) => part.text as string)
                .join("\n");
              if (text) lastAssistantText = text;
            }
          } else if (event.type === "system" && event.subtype === "api_retry") {
            retries += 1;
            if (retries > maxRetryNotices && !retryStop) {
              retryStop = true;
              running.stop("requested", "provider retry budget exhausted");
            }
          }
        },
      });
      const outcome = await running.outcome;

      const finalText = typeof result?.result === "string" ? result.result : lastAssistantText;
      let stdoutPath: string | null = null;
      if (finalText !== undefined) {
        writeFileSync(ctx.artifacts.stdout, finalText.endsWith("\n") ? finalText : `${finalText}\n`);
        stdoutPath = ctx.artifacts.stdout;
      }
      const notes: string[] = [];
      if (nonJson > 0) notes.push(`ignored ${nonJson} non-JSON stdout line(s)`);
      if (retries > 0) notes.push(`provider retry events seen: ${retries}`);
      if (outcome.leakedKilled.length > 0)
        notes.push(`killed leftover processes: ${outcome.leakedKilled.join(", ")}`);
      const base = {
        ...rawBase(request, CLAUDE_RUNNER_NAME, outcome),
        stdout_path: stdoutPath,
        stderr_path: ctx.artifacts.stderr,
        event_log_path: existsSync(ctx.artifacts.events) ? ctx.artifacts.events : null,
        token_usage: result ? (usageFromClaudeResult(result) ?? null) : null,
        session_id: sessionId ?? null,
      };
      const verdict = retryStop
        ? {
            exitKind: "provider_error" as const,
            exitCode: 1,
            failureClass: "runner_retry_exhausted" as const,
            note: `stopped after ${retries} provider retry events`,
          }
        : processVerdict(outcome, claude.command, ctx.artifacts.stderr);
      if (verdict) {
        return reconcileAfterTimeout(
          request,
          {
            ...base,
            exit_kind: verdict.exitKind,
            exit_code: verdict.exitCode,
            failure_class: verdict.failureClass,
            notes: [...notes, verdict.note],
          },
          lastAssistantText,
        );
      }
      const exitCode = exitCodeOf(outcome);
      if (result && result.is_error === true) {
        const message = typeof result.result === "string" ? result.result : String(result.subtype ?? "error");
        return {
          ...base,
          exit_kind: "provider_error",
          exit_code: exitCode === 0 ? 1 : exitCode,
          failure_class: claudeFailureClass(result, assistantError),
          notes: [...notes, `claude reported an error (${String(result.subtype)}): ${message}`],
        };
      }
      if (exitCode !== 0) {
        return {
          ...base,
          exit_kind: "runner_error",
          exit_code: exitCode,
          failure_class: "runner_non_zero_exit",
          notes: [...notes, `claude exited with status ${exitCode}${stderrTail(ctx.artifacts.stderr)}`],
        };
      }
      if (result?.is_error !== false) {
        return {
          ...base,
          exit_kind: "runner_error",
          exit_code: 1,
          failure_class: "runner_incomplete_stream",
          notes: [...notes, "claude exited 0 without a successful result message"],
        };
      }
      return { ...base, exit_kind: "completed", exit_code: 0, failure_class: null, notes };
    },
  };
}
