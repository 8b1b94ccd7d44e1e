import type { UsageReportOutput } from "@millrace/contracts";
import { loadConfig, requireInitialized } from "@millrace/workspace";
import type { MillraceCommand } from "../command.js";
import { formatValue } from "../io.js";

const GROUPINGS = ["stage", "model", "item", "day"] as const;

interface UsageArgs {
  window: string;
  by: (typeof GROUPINGS)[number];
}

function totalsText(totals: UsageReportOutput["totals"]): string {
  const unknown = totals.cost_unknown_entries > 0 ? ` (${totals.cost_unknown_entries} without cost)` : "";
  return `entries=${totals.entries} input=${totals.input_tokens} output=${totals.output_tokens} total=${totals.total_tokens} cost_usd=${totals.cost_usd.toFixed(4)}${unknown}`;
}

/** The text form: totals, one line per group, per rule and per parked item. */
export function usageLines(report: UsageReportOutput): string {
  const lines = [
    `usage_governance_enabled: ${formatValue(report.enabled)}`,
    `window: ${report.window}${report.since ? ` (since ${report.since})` : ""}`,
    `total: ${totalsText(report.totals)}`,
  ];
  for (const group of report.groups) lines.push(`${report.by} ${group.key}: ${totalsText(group)}`);
  for (const rule of report.rules) {
    lines.push(
      `rule ${rule.rule_id}: window=${rule.window} metric=${rule.metric ?? "percent_used"} observed=${rule.observed} threshold=${rule.threshold}${rule.tripped ? ` TRIPPED resume_at=${rule.resume_at ?? "manual"}` : ""}`,
    );
  }
  lines.push(`paused_by_governance: ${formatValue(report.paused_by_governance)}`);
  if (report.next_auto_resume_at) lines.push(`next_auto_resume_at: ${report.next_auto_resume_at}`);
  for (const item of report.parked) {
    lines.push(
      `parked ${item.work_item_id}: ${item.reason}${item.released_at ? ` (released ${item.released_at})` : ` (release: millrace queue release ${item.work_item_id} --add-budget N)`}`,
    );
  }
  if (report.ledger_problems > 0)
    lines.push(`ledger_problems: ${report.ledger_problems} (run millrace doctor)`);
  return `${lines.join("\n")}\n`;
}

export const usageCommand: MillraceCommand<UsageArgs> = {
  command: "usage",
  describe: "Token and cost usage from the governance ledger, with each rule's reading and the parked items",
  builder: (yargs) =>
    yargs
      .option("window", {
        type: "string",
        default: "all",
        describe: "all | rolling_5h | calendar_week | a span such as 24h or 7d",
      })
      .option("by", { choices: GROUPINGS, default: "stage" as const, describe: "Group the totals by" }),
  examples: [
    ["$0 usage --window rolling_5h", "What the last five hours used, by stage kind"],
    ["$0 usage --by item --json", "Per work item, as JSON"],
  ],
  async handler(args, ctx) {
    const paths = requireInitialized(ctx.workspace);
    const config = loadConfig(paths);
    const { usageReport } = await import("@millrace/governance");
    const report = usageReport({
      paths,
      config: config.usage_governance,
      now: new Date(),
      window: args.window,
      by: args.by,
    });
    ctx.emit(() => usageLines(report), report);
    return 0;
  },
};
