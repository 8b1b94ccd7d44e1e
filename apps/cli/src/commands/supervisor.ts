import { MillraceError } from "@millrace/contracts";
import type { MillraceCommand } from "../command.js";
import { supervisorLines } from "./supervisor-text.js";

interface SupervisorArgs {
  action: "report";
  recentEvents?: number;
  stalledAfter?: number;
  issuer?: string;
}

/**
 * `supervisor report`: health, liveness, planes, work, mailbox intake, governance, the attention
 * reason with its summary and the allowed actions. Several `--workspace` give an array (a fleet).
 */
export const supervisorCommand: MillraceCommand<SupervisorArgs> = {
  command: "supervisor <action>",
  describe:
    "The supervisor contract: `supervisor report` says what needs attention and which commands may run",
  manyWorkspaces: true,
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ["report"] as const, describe: "What to do" })
      .option("recent-events", { type: "number", describe: "How many recent events to include (default 10)" })
      .option("stalled-after", {
        type: "number",
        describe: "Quiet seconds after which a live daemon's active stage is stalled (default 900)",
      })
      .option("issuer", {
        type: "string",
        alias: "actor",
        describe: "The issuer written into the allowed actions' commands (default: operator)",
      }),
  examples: [
    ["$0 supervisor report --json", "One workspace's report as JSON"],
    ["$0 supervisor report -w repo-a -w repo-b --json", "A fleet: one report per workspace, as an array"],
  ],
  async handler(args, ctx) {
    if (args.action !== "report") {
      throw new MillraceError("usage_invalid_argument", `unknown supervisor action ${args.action}`, {
        hint: "Use `millrace supervisor report`.",
      });
    }
    const { supervisorFleetReport } = await import("@millrace/supervisor-contract");
    const reports = await supervisorFleetReport(ctx.workspaces, {
      ...(args.recentEvents !== undefined ? { recentEvents: args.recentEvents } : {}),
      ...(args.stalledAfter !== undefined ? { stalledAfterSeconds: args.stalledAfter } : {}),
      issuer: args.issuer,
    });
    const value = reports.length === 1 ? reports[0] : reports;
    ctx.emit(() => reports.map(supervisorLines).join("\n"), value);
    return 0;
  },
};
