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
import { readLastMessage } from "../result-files.js";
import { codexArgs } from "./args.js";
import { CODEX_CAPABILITIES } from "./capabilities.js";
import { codexCredentialProblems } from "./credentials.js";
import { codexVerdict } from "./failure.js";
import { codexGrantEnforcement } from "./grants.js";
import { codexHostSandbox } from "./host-sandbox.js";
import { codexPreflight } from "./preflight.js";
import { CodexStreamState } from "./stream.js";

export const CODEX_RUNNER_NAME = "codex_cli";

export interface CodexAdapterOptions {
  /** Provider retry notices (`Reconnecting...`) tolerated before the stage is stopped. */
  readonly maxRetryNotices?: number;
}

export function createCodexAdapter(options: CodexAdapterOptions = {}): RunnerAdapter {
  const maxRetryNotices = options.maxRetryNotices ?? 20;
  return {
    name: CODEX_RUNNER_NAME,
    capabilities: CODEX_CAPABILITIES,
    // Where the host cannot run Codex's sandbox (probed once per process), the verdict says so.
    enforceCapabilities: (grants, config, env) =>
      codexGrantEnforcement(grants, codexHostSandbox(grants, config, env)),

    preflight: (config, env = process.env, preflightOptions = {}) =>
      codexPreflight(config, env, preflightOptions),

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const codex = ctx.config.runners.codex;
      const lastMessagePath = ctx.artifacts.lastMessage;
      const host = codexHostSandbox(request.capability_grants, ctx.config, ctx.baseEnv);
      const args = codexArgs(
        ctx.config,
        request,
        { workspaceRoot: ctx.workspaceRoot, lastMessagePath },
        host,
      );
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
          if (state.readLine(line) && state.retryNotices > maxRetryNotices && !retryStop) {
            retryStop = true;
            running.stop("requested", "provider retry budget exhausted");
          }
        },
      });
      const outcome = await running.outcome;

      const fromFile = readLastMessage(lastMessagePath, ctx.config.limits.max_result_bytes);
      const finalText = fromFile.trim().length > 0 ? fromFile : state.lastAgentMessage;
      return finishStage(request, ctx, {
        runnerName: CODEX_RUNNER_NAME,
        command: codex.command,
        outcome,
        fields: {
          stdout_path: finalText === undefined ? null : writeFinalText(ctx, finalText),
          event_log_path: existsSync(ctx.artifacts.events) ? ctx.artifacts.events : null,
          token_usage: state.usage() ?? null,
          session_id: state.sessionId ?? null,
        },
        notes: state.notes(),
        markerText: state.lastAgentMessage ?? finalText,
        ...(retryStop ? { stoppedBy: retryExhausted(state.retryNotices, "provider retry notices") } : {}),
        classify: (ended) => codexVerdict(state, ended, ctx.artifacts.stderr),
      });
    },
  };
}
