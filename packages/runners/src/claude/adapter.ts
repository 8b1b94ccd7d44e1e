import { existsSync } from "node:fs";
import type {
  RunnerAdapter,
  RunnerContext,
  RunnerRawResultInput,
  StageRunRequest,
} from "@millrace/contracts";
import { credentialRefusal } from "../finish/credential-refusal.js";
import { finishStage, writeFinalText } from "../finish/finish-stage.js";
import { retryExhausted } from "../finish/verdict.js";
import { launchStageProcess } from "../process/stage-process.js";
import { claudeArgs } from "./args.js";
import { CLAUDE_CAPABILITIES } from "./capabilities.js";
import { claudeCredential } from "./credentials.js";
import { claudeVerdict } from "./failure.js";
import { claudeGrantEnforcement } from "./grants.js";
import { claudePreflight } from "./preflight.js";
import { ClaudeStreamState } from "./stream.js";
import { usageFromClaudeResult } from "./usage.js";

export const CLAUDE_RUNNER_NAME = "claude_code";

export interface ClaudeAdapterOptions {
  /** `system/api_retry` events tolerated before the stage is stopped. */
  readonly maxRetryNotices?: number;
}

export function createClaudeAdapter(options: ClaudeAdapterOptions = {}): RunnerAdapter {
  const maxRetryNotices = options.maxRetryNotices ?? 20;
  return {
    name: CLAUDE_RUNNER_NAME,
    capabilities: CLAUDE_CAPABILITIES,
    enforceCapabilities: (grants) => claudeGrantEnforcement(grants),

    preflight: (config, env = process.env, preflightOptions = {}) =>
      claudePreflight(config, env, preflightOptions),

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const claude = ctx.config.runners.claude;
      const args = claudeArgs(ctx.config, request);
      const { problems } = claudeCredential(ctx.config, ctx.baseEnv);
      if (problems.length > 0) {
        // Fail in milliseconds instead of retrying until the deadline.
        return credentialRefusal(
          request,
          ctx,
          { name: CLAUDE_RUNNER_NAME, command: claude.command, args, env: claude.env },
          problems,
        );
      }

      const state = new ClaudeStreamState();
      let retryStop = false;
      const running = launchStageProcess(request, ctx, {
        command: claude.command,
        args,
        cwd: ctx.workspaceRoot,
        envOverlay: claude.env,
        stdin: { kind: "text", text: ctx.prompt },
        stdoutPath: ctx.artifacts.events,
        onStdoutLine: (line) => {
          if (state.readLine(line) && state.retries > maxRetryNotices && !retryStop) {
            retryStop = true;
            running.stop("requested", "provider retry budget exhausted");
          }
        },
      });
      const outcome = await running.outcome;

      const finalText = state.finalText();
      return finishStage(request, ctx, {
        runnerName: CLAUDE_RUNNER_NAME,
        command: claude.command,
        outcome,
        fields: {
          stdout_path: finalText === undefined ? null : writeFinalText(ctx, finalText),
          event_log_path: existsSync(ctx.artifacts.events) ? ctx.artifacts.events : null,
          token_usage: state.result ? (usageFromClaudeResult(state.result) ?? null) : null,
          session_id: state.sessionId ?? null,
        },
        notes: state.notes(),
        markerText: state.lastAssistantText,
        ...(retryStop ? { stoppedBy: retryExhausted(state.retries, "provider retry events") } : {}),
        classify: (ended) => claudeVerdict(state, ended, ctx.artifacts.stderr),
      });
    },
  };
}
