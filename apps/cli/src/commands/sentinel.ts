import { MillraceError, RECOVERY_TARGETS, SENTINEL_SEVERITIES } from "@millrace/contracts";
import type { MillraceCommand } from "../command.js";
import { listenForInterrupt } from "../interrupt.js";
import { keyValueLines } from "../io.js";
import { checkLine, stateLines } from "./sentinel-text.js";

const ACTIONS = ["check", "status", "watch", "acknowledge", "incident"] as const;

interface SentinelArgs {
  action: (typeof ACTIONS)[number];
  maxChecks?: number;
  issuer?: string;
  reason?: string;
  failureSignature?: string;
  summary?: string;
  severity?: (typeof SENTINEL_SEVERITIES)[number];
  routingTarget?: (typeof RECOVERY_TARGETS)[number];
  evidence?: string[];
}

function required(value: string | undefined, flag: string, action: string): string {
  if (value === undefined || value.trim() === "") {
    throw new MillraceError("usage_invalid_argument", `sentinel ${action} needs ${flag}`, {
      hint: `Run \`millrace sentinel ${action} --help\`.`,
    });
  }
  return value;
}

/** `sentinel check|status|watch|acknowledge|incident`: the workspace's companion monitor. */
export const sentinelCommand: MillraceCommand<SentinelArgs> = {
  command: "sentinel <action>",
  describe: "Sentinel: watch for lost progress, queue capped recovery requests, notify",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ACTIONS, describe: "What to do" })
      .option("max-checks", { type: "number", describe: "watch: stop after this many checks" })
      .option("issuer", {
        type: "string",
        alias: "actor",
        describe: "Who acts (acknowledge: operator; incident: sentinel)",
      })
      .option("reason", { type: "string", describe: "acknowledge: why Sentinel may queue again" })
      .option("failure-signature", { type: "string", describe: "incident: one line naming the failure" })
      .option("summary", { type: "string", describe: "incident: one line describing it" })
      .option("severity", { choices: SENTINEL_SEVERITIES, describe: "incident: severity (default medium)" })
      .option("routing-target", {
        choices: RECOVERY_TARGETS,
        describe: "incident: troubleshoot (default) or mechanic",
      })
      .option("evidence", { type: "string", array: true, describe: "incident: evidence paths" }),
  examples: [
    ["$0 sentinel check --json", "One check: compare progress, queue a recovery request if due"],
    ["$0 sentinel watch", "Check on the configured cadence until Ctrl-C"],
    ['$0 sentinel acknowledge --reason "restarted the provider"', "Let Sentinel queue again after a cap"],
  ],
  async handler(args, ctx) {
    const contract = await import("@millrace/supervisor-contract");
    switch (args.action) {
      case "check": {
        const check = await contract.sentinelCheck(ctx.workspace);
        ctx.emit(() => checkLine(check), check);
        return 0;
      }
      case "status": {
        const status = contract.sentinelStatus(ctx.workspace);
        ctx.emit(() => (status.state ? stateLines(status.state) : `sentinel: ${status.reason}\n`), status);
        return 0;
      }
      case "acknowledge": {
        const state = contract.acknowledgeSentinel(ctx.workspace, {
          issuer: args.issuer,
          reason: required(args.reason, "--reason", "acknowledge"),
        });
        ctx.emit(() => stateLines(state), state);
        return 0;
      }
      case "incident": {
        const result = contract.submitSentinelIncident(ctx.workspace, {
          failureSignature: required(args.failureSignature, "--failure-signature", "incident"),
          summary: required(args.summary, "--summary", "incident"),
          ...(args.severity ? { severity: args.severity } : {}),
          ...(args.routingTarget ? { routingTarget: args.routingTarget } : {}),
          ...(args.evidence ? { evidence: args.evidence } : {}),
          issuer: args.issuer,
        });
        ctx.emit(() => keyValueLines(result), result);
        return 0;
      }
      case "watch": {
        const interrupt = listenForInterrupt();
        try {
          const result = await contract.sentinelWatch(ctx.workspace, {
            ...(args.maxChecks !== undefined ? { maxChecks: args.maxChecks } : {}),
            signal: interrupt.signal,
            onCheck: (check) => {
              if (!ctx.json) ctx.io.stdout(checkLine(check));
            },
          });
          if (ctx.json) ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          else ctx.line(`sentinel watch stopped: ${result.stop_reason} after ${result.checks} checks`);
          return interrupt.exitStatus() ?? 0;
        } finally {
          interrupt.dispose();
        }
      }
    }
  },
};

interface RecoveryArgs {
  action: "request";
  target: string;
  forceQueue?: boolean;
  reason?: string;
  issuer?: string;
}

/** `recovery request troubleshoot|mechanic --force-queue`: an operator's recovery request. */
export const recoveryCommand: MillraceCommand<RecoveryArgs> = {
  command: "recovery <action> <target>",
  describe: "Queue a recovery request to the troubleshooter or the mechanic",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ["request"] as const, describe: "What to do" })
      .positional("target", { type: "string", describe: "troubleshoot or mechanic" })
      .option("force-queue", { type: "boolean", describe: "Required: queue the request" })
      .option("reason", { type: "string", describe: "Why recovery is needed" })
      .option("issuer", { type: "string", alias: "actor", describe: "Who asks (default: operator)" }),
  examples: [['$0 recovery request troubleshoot --force-queue --reason "builder hangs"', "Queue a recovery"]],
  async handler(args, ctx) {
    const { requestRecovery } = await import("@millrace/supervisor-contract");
    const record = await requestRecovery(ctx.workspace, {
      target: args.target,
      forceQueue: args.forceQueue === true,
      reason: args.reason,
      issuer: args.issuer,
    });
    ctx.emit(() => keyValueLines(record), record);
    return 0;
  },
};
