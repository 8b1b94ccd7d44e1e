import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type {
  MillraceConfig,
  PermissionLevel,
  RunnerRawResultInput,
  StageRunRequest,
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
import { CodexStreamState } from "./events.js";

export const CODEX_RUNNER_NAME = "codex_cli";

export interface CodexAdapterOptions {
  /** Provider retry notices (`Reconnecting...`) tolerated before the stage is stopped. */
  readonly maxRetryNotices?: number;
}

/** Sandbox flags of `codex exec` 0.169 for each permission level. */
export function codexPermissionFlags(level: PermissionLevel): string[] {
  switch (level) {
    case "basic":
      return ["--sandbox", "workspace-write"];
    case "elevated":
      return ["--sandbox", "danger-full-access"];
    default:
      return ["--dangerously-bypass-approvals-and-sandbox"];
  }
}

export function codexPermissionLevel(config: MillraceConfig, request: StageRunRequest): PermissionLevel {
  return resolvePermissionLevel(config.runners.codex, request);
}

/** Reasoning effort: the request's thinking level (v0.20 name), its effort, then the runner default. */
export function codexEffort(config: MillraceConfig, request: StageRunRequest): string | undefined {
  if (request.thinking_level && request.thinking_level !== "off") return request.thinking_level;
  return request.model_reasoning_effort ?? config.runners.codex.model_reasoning_effort ?? undefined;
}

/** The complete argument vector after the command. The prompt goes on stdin (`-`). */
export function codexArgs(
  config: MillraceConfig,
  request: StageRunRequest,
  paths: { workspaceRoot: string; lastMessagePath: string },
): string[] {
  const codex = config.runners.codex;
  const effort = codexEffort(config, request);
  return [
    ...codex.args,
    ...(codex.profile ? ["--profile", codex.profile] : []),
    "--json",
    ...(codex.skip_git_repo_check ? ["--skip-git-repo-check"] : []),
    ...(request.model_name ? ["--model", request.model_name] : []),
    ...codexPermissionFlags(codexPermissionLevel(config, request)),
    ...codex.extra_config.flatMap((item) => ["-c", item]),
    // After extra_config, so a per-stage value wins over a global `-c model_reasoning_effort=…`.
    ...(effort ? ["-c", `model_reasoning_effort="${effort}"`] : []),
    "--cd",
    paths.workspaceRoot,
    "--output-last-message",
    paths.lastMessagePath,
    "-",
  ];
}

/**
 * Where Codex will find credentials: `CODEX_API_KEY`, a login in `$CODEX_HOME/auth.json`, or a
 * custom provider's `env_key`. Codex itself never checks up front and retries until the deadline.
 */
export function codexCredentialProblems(
  config: MillraceConfig,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const merged = { ...env, ...config.runners.codex.env };
  if (firstSet(merged, ["CODEX_API_KEY"])) return [];
  const codexHome = merged.CODEX_HOME ?? path.join(homeDir(merged), ".codex");
  if (existsSync(path.join(codexHome, "auth.json"))) return [];
  const provider = config.runners.codex.extra_config.find((item) => /^\s*model_provider\s*=/.test(item));
  if (provider) {
    const envKeys = config.runners.codex.extra_config
      .map((item) => /env_key\s*=\s*"([A-Za-z_][A-Za-z0-9_]*)"/.exec(item)?.[1])
      .filter((name): name is string => name !== undefined);
    const missing = envKeys.filter((name) => !firstSet(merged, [name]));
    return missing.length === 0
      ? []
      : [`the custom Codex provider needs ${missing.join(", ")} in the environment`];
  }
  return [
    `no Codex credentials: set CODEX_API_KEY (environment or [runners.codex.env]) or run \`codex login\` (looked for ${path.join(codexHome, "auth.json")})`,
  ];
}

export function createCodexAdapter(options: CodexAdapterOptions = {}): RunnerAdapter {
  const maxRetryNotices = options.maxRetryNotices ?? 20;
  return {
    name: CODEX_RUNNER_NAME,

    async preflight(config, env = process.env): Promise<PreflightResult> {
      return agentPreflight("Codex", config.runners.codex, env, codexCredentialProblems(config, env));
    },

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const codex = ctx.config.runners.codex;
      const lastMessagePath = ctx.artifacts.lastMessage;
      const args = codexArgs(ctx.config, request, { workspaceRoot: ctx.workspaceRoot, lastMessagePath });
      const credentialProblems = codexCredentialProblems(ctx.config, ctx.baseEnv);
      if (credentialProblems.length > 0) {
        // Fail in milliseconds instead of retrying until the deadline.
        return credentialRefusal(
          request,
          ctx,
          { name: CODEX_RUNNER_NAME, command: codex.command, args, env: codex.env },
          credentialProblems,
        );
      }

      const state = new CodexStreamState();
      let retryStop = false;
      const running = launchStageProcess(request, ctx, {
        command: codex.command,
        args,
        cwd: ctx.workspaceRoot,
        envOverlay: codex.env,
        // Codex reads the prompt from stdin when it is `-`; an unclosed pipe would hang it forever.
        stdin: { kind: "text", text: ctx.prompt },
        stdoutPath: ctx.artifacts.events,
        onStdoutLine: (line) => {
          const event = parseJsonObjectLine(line);
          if (!event) {
            if (line.trim().length > 0) state.nonJsonLines += 1;
            return;
          }
          if (state.accept(event) && state.retryNotices > maxRetryNotices && !retryStop) {
            retryStop = true;
            running.stop("requested", "provider retry budget exhausted");
          }
        },
      });
      const outcome = await running.outcome;

      const fromFile = existsSync(lastMessagePath) ? readFileSync(lastMessagePath, "utf8") : "";
      const finalText = fromFile.trim().length > 0 ? fromFile : state.lastAgentMessage;
      let stdoutPath: string | null = null;
      if (finalText !== undefined) {
        writeFileSync(ctx.artifacts.stdout, finalText.endsWith("\n") ? finalText : `${finalText}\n`);
        stdoutPath = ctx.artifacts.stdout;
      }
      const notes: string[] = [];
      if (state.nonJsonLines > 0) notes.push(`ignored ${state.nonJsonLines} non-JSON stdout line(s)`);
      if (state.retryNotices > 0) notes.push(`provider retry notices seen: ${state.retryNotices}`);
      if (outcome.leakedKilled.length > 0)
        notes.push(`killed leftover processes: ${outcome.leakedKilled.join(", ")}`);

      const base = {
        ...rawBase(request, CODEX_RUNNER_NAME, outcome),
        stdout_path: stdoutPath,
        stderr_path: ctx.artifacts.stderr,
        event_log_path: existsSync(ctx.artifacts.events) ? ctx.artifacts.events : null,
        token_usage: state.usage() ?? null,
        session_id: state.sessionId ?? null,
      };
      const verdict = retryStop
        ? {
            exitKind: "provider_error" as const,
            exitCode: 1,
            failureClass: "runner_retry_exhausted" as const,
            note: `stopped after ${state.retryNotices} provider retry notices`,
          }
        : processVerdict(outcome, codex.command, ctx.artifacts.stderr);
      if (verdict) {
        const raw: RunnerRawResultInput = {
          ...base,
          exit_kind: verdict.exitKind,
          exit_code: verdict.exitCode,
          failure_class: verdict.failureClass,
          notes: [...notes, verdict.note],
        };
        return reconcileAfterTimeout(request, raw, state.lastAgentMessage ?? finalText);
      }
      const exitCode = exitCodeOf(outcome);
      if (state.turnFailedMessage !== undefined) {
        return {
          ...base,
          exit_kind: "provider_error",
          exit_code: exitCode === 0 ? 1 : exitCode,
          failure_class: classifyProviderMessage(state.turnFailedMessage),
          notes: [...notes, `turn failed: ${state.turnFailedMessage}`],
        };
      }
      if (exitCode !== 0) {
        return {
          ...base,
          exit_kind: "runner_error",
          exit_code: exitCode,
          failure_class: "runner_non_zero_exit",
          notes: [...notes, `codex exited with status ${exitCode}${stderrTail(ctx.artifacts.stderr)}`],
        };
      }
      if (!state.turnCompleted) {
        return {
          ...base,
          exit_kind: "runner_error",
          exit_code: 1,
          failure_class: "runner_incomplete_stream",
          notes: [...notes, "codex exited 0 without a turn.completed event"],
        };
      }
      return { ...base, exit_kind: "completed", exit_code: 0, failure_class: null, notes };
    },
  };
}
