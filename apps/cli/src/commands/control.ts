import { type MailboxCommand, MillraceError, PLANES } from "@millrace/contracts";
import type { MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";
import { emitControl, issuerOption } from "./control-output.js";

interface ControlArgs {
  reason?: string;
  scope?: string;
  lane?: number;
  item?: string;
  issuer?: string;
}

async function sendControl(
  ctx: CommandContext,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  issuer: string | undefined,
): Promise<number> {
  const { submitControl } = await import("@millrace/supervisor-contract");
  return emitControl(ctx, submitControl(ctx.workspace, command, payload, { issuer }));
}

function simple(
  name: string,
  command: MailboxCommand,
  describe: string,
  example: string,
): MillraceCommand<ControlArgs> {
  return {
    command: name,
    describe,
    builder: (yargs) => yargs.option("issuer", issuerOption),
    examples: [[`$0 ${name}`, example]],
    handler: (args, ctx) => sendControl(ctx, command, {}, args.issuer),
  };
}

export const pauseCommand = simple(
  "pause",
  "pause",
  "Pause the runtime before its next stage",
  "Pause (a running stage finishes first)",
);
export const resumeCommand = simple(
  "resume",
  "resume",
  "Resume after an operator pause",
  "Resume; usage governance may keep it paused",
);
export const stopCommand = simple(
  "stop",
  "stop",
  "Stop the running daemon at its next safe boundary",
  "Stop the daemon that owns the workspace",
);
export const reloadConfigCommand = simple(
  "reload-config",
  "reload_config",
  "Reload millrace.toml in the running daemon at a safe boundary",
  "Apply an edited millrace.toml without a restart",
);

export const retryActiveCommand: MillraceCommand<ControlArgs> = {
  command: "retry-active",
  describe: "Requeue the active work item so it starts over",
  builder: (yargs) =>
    yargs
      .option("reason", { type: "string", describe: "Why (recorded in the requeue log)" })
      .option("scope", { choices: [...PLANES], describe: "Which plane's run, when several are active" })
      .option("lane", {
        type: "number",
        describe: "With execution lanes: only the item in this lane (default: every lane's item)",
      })
      .option("item", { type: "string", describe: "With execution lanes: only this item, in its lane" })
      .option("issuer", issuerOption),
  examples: [
    ["$0 retry-active --scope execution --reason 'flaky network'", "Restart the execution plane's item"],
    ["$0 retry-active --lane 2 --reason 'wrong approach'", "Restart the item in execution lane 2"],
  ],
  handler(args, ctx) {
    return sendControl(
      ctx,
      "retry_active",
      {
        ...(args.reason ? { reason: args.reason } : {}),
        ...(args.scope ? { scope: args.scope } : {}),
        ...(args.lane !== undefined ? { lane: args.lane } : {}),
        ...(args.item !== undefined ? { item: args.item } : {}),
      },
      args.issuer,
    );
  },
};

export const clearStaleStateCommand: MillraceCommand<ControlArgs> = {
  command: "clear-stale-state",
  describe: "Requeue every active item and reset runtime state to idle (after a crash)",
  builder: (yargs) =>
    yargs
      .option("reason", { type: "string", describe: "Why (recorded in the requeue logs)" })
      .option("issuer", issuerOption),
  examples: [["$0 clear-stale-state --reason 'host rebooted'", "Reset after an unclean shutdown"]],
  handler(args, ctx) {
    return sendControl(ctx, "clear_stale_state", args.reason ? { reason: args.reason } : {}, args.issuer);
  },
};

export const controlCommands = [
  pauseCommand,
  resumeCommand,
  stopCommand,
  retryActiveCommand,
  clearStaleStateCommand,
  reloadConfigCommand,
];

export function assertNever(value: never): never {
  throw new MillraceError("usage_invalid_argument", `unexpected ${String(value)}`);
}
