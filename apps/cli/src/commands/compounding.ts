import {
  type CompoundingItemDetail,
  type CompoundingItemKind,
  type CompoundingItemListing,
  type CompoundingLintReport,
  type CompoundingOrientOutput,
  type CompoundingSummary,
  MillraceError,
} from "@millrace/contracts";
import { neutralizeControlChars } from "@millrace/contracts/terminal-text";
import { requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";
import { emitControl, issuerOption } from "./control-output.js";

const TOPICS = ["summary", "procedures", "facts", "orient", "lint"] as const;
const ACTIONS = ["ls", "show", "promote", "deprecate"] as const;

interface CompoundingArgs {
  topic: (typeof TOPICS)[number];
  action?: (typeof ACTIONS)[number];
  id?: string;
  reason?: string;
  replacement?: string;
  issuer?: string;
  query?: string;
}

function usage(message: string, hint: string): MillraceError {
  return new MillraceError("usage_invalid_argument", message, { hint });
}

const safe = (text: string) => neutralizeControlChars(text);

function rate(item: CompoundingItemListing): string {
  const eff = item.effectiveness;
  if (!eff || eff.injected === 0) return "";
  const share =
    eff.first_time_success_rate === null ? "n/a" : `${Math.round(eff.first_time_success_rate * 100)}%`;
  return ` injected=${eff.injected} first_time_success=${eff.succeeded_first_time}/${eff.with_outcome} (${share})`;
}

function listText(kind: CompoundingItemKind, items: CompoundingItemListing[]): string {
  if (items.length === 0) return `no ${kind === "procedure" ? "procedures" : "facts"}\n`;
  return items
    .map(
      (item) =>
        `${item.status} ${safe(item.item_id)} ${item.scope} from ${safe(item.source_stage)} (${safe(item.source_run_id)}): ${safe(item.title)}${rate(item)}\n`,
    )
    .join("");
}

function detailText(detail: CompoundingItemDetail): string {
  const item = detail.item as Record<string, unknown>;
  const body = String(item.procedure_markdown ?? item.statement ?? "");
  const history = detail.lifecycle.map(
    (record) =>
      `lifecycle: ${record.changed_at} ${record.state} by ${safe(record.changed_by)}: ${safe(record.reason)}${record.replacement_procedure_id ? ` (replaced by ${safe(record.replacement_procedure_id)})` : ""}\n`,
  );
  return [
    keyValueLines({
      id: safe(detail.item_id),
      kind: detail.item_kind,
      scope: detail.scope,
      status: detail.status,
      title: safe(detail.title),
      source_run_id: safe(detail.source_run_id),
      source_stage: safe(detail.source_stage),
      created_at: detail.created_at,
      artifact: safe(detail.artifact_ref),
    }),
    rate(detail) ? `effectiveness:${rate(detail)}\n` : "",
    ...history,
    `\n${safe(body)}\n`,
  ].join("");
}

function summaryText(summary: CompoundingSummary): string {
  const family = (name: string, c: CompoundingSummary["procedures"]) =>
    `${name}: total=${c.total} eligible=${c.eligible} pending=${c.pending} deprecated=${c.deprecated} run_candidates=${c.run_candidates}\n`;
  return [
    family("procedures", summary.procedures),
    family("facts", summary.facts),
    `pending review: ${summary.pending_governance_items.length === 0 ? "none" : summary.pending_governance_items.map(safe).join(", ")}\n`,
    `usage: stage_runs=${summary.usage.stage_runs} injected_items=${summary.usage.injected_items} latest_run=${summary.usage.latest_run_id ?? "none"}\n`,
    summary.unloadable_files > 0
      ? `unloadable files: ${summary.unloadable_files} (run \`millrace compounding lint\`)\n`
      : "",
  ].join("");
}

function lintText(report: CompoundingLintReport): string {
  const issues = report.issues.map(
    (issue) => `${issue.severity} ${safe(issue.issue_id)}: ${safe(issue.message)}\n`,
  );
  return [`${report.status}: ${report.summary}\n`, ...issues].join("");
}

function orientText(output: CompoundingOrientOutput): string {
  const entries = output.entries.map(
    (entry) => `${entry.status} ${safe(entry.entry_id)} ${entry.family}: ${safe(entry.label)}\n`,
  );
  return [
    `procedures=${output.family_counts.procedure} facts=${output.family_counts.context_fact} clusters: source_run=${output.cluster_counts.source_run} evidence_ref=${output.cluster_counts.evidence_ref} tag=${output.cluster_counts.tag}\n`,
    `written: ${output.written.join(", ")}\n`,
    entries.length === 0 ? "no entries\n" : entries.join(""),
  ].join("");
}

function requireId(args: CompoundingArgs): string {
  if (!args.id) {
    throw usage(
      `compounding ${args.topic} ${args.action} needs an id`,
      `Run \`millrace compounding ${args.topic}\` to list them.`,
    );
  }
  return args.id;
}

/** Checks the flags against the subcommand before anything is read or written. */
function checkFlags(args: CompoundingArgs): void {
  const itemTopic = args.topic === "procedures" || args.topic === "facts";
  if (!itemTopic && (args.action !== undefined || args.id !== undefined)) {
    throw usage(
      `compounding ${args.topic} takes no action or id`,
      "Actions (ls, show, promote, deprecate) belong to `compounding procedures` and `compounding facts`.",
    );
  }
  if (args.query !== undefined && args.topic !== "orient") {
    throw usage(
      "--query applies to `compounding orient` only",
      "Drop --query, or use `compounding orient --query <words>`.",
    );
  }
  const governs = args.action === "promote" || args.action === "deprecate";
  if (!governs && args.reason !== undefined)
    throw usage("--reason applies to promote and deprecate only", "Drop --reason.");
  if (args.action !== "deprecate" && args.replacement !== undefined) {
    throw usage("--replacement applies to deprecate only", "Drop --replacement.");
  }
  if (governs && (args.reason === undefined || args.reason.trim() === "")) {
    throw usage(
      `compounding ${args.topic} ${args.action} needs --reason`,
      "Say why, e.g. --reason 'verified on three runs'.",
    );
  }
}

async function govern(
  args: CompoundingArgs,
  ctx: CommandContext,
  kind: CompoundingItemKind,
): Promise<number> {
  const paths = requireInitialized(ctx.workspace);
  const id = requireId(args);
  const { showItem } = await import("@millrace/compounding");
  // Checked here too, so an unknown or run-scoped id is refused before anything is queued for a daemon.
  const detail = showItem(paths, kind, id);
  if (detail.scope !== "workspace") {
    throw usage(
      `${kind} ${id} is run-scoped; only workspace items are governed`,
      "Run candidates reach workspace scope when their run is flushed; govern the `proc.workspace.…` copy.",
    );
  }
  if (args.replacement !== undefined) showItem(paths, kind, args.replacement);
  const { submitControl } = await import("@millrace/supervisor-contract");
  const result = submitControl(
    paths.root,
    args.action === "promote" ? "promote_compounding_item" : "deprecate_compounding_item",
    {
      item_kind: kind,
      item_id: id,
      reason: args.reason as string,
      ...(args.replacement !== undefined ? { replacement_id: args.replacement } : {}),
    },
    { issuer: args.issuer },
  );
  return emitControl(ctx, result);
}

async function items(args: CompoundingArgs, ctx: CommandContext, kind: CompoundingItemKind): Promise<number> {
  const action = args.action ?? "ls";
  if (action === "promote" || action === "deprecate") return govern(args, ctx, kind);
  const paths = requireInitialized(ctx.workspace);
  const pkg = await import("@millrace/compounding");
  if (action === "show") {
    const detail = pkg.showItem(paths, kind, requireId(args));
    ctx.emit(() => detailText(detail), detail);
    return 0;
  }
  if (args.id !== undefined) throw usage(`compounding ${args.topic} ls takes no id`, "Use `show <id>`.");
  const list = kind === "procedure" ? pkg.listProcedures(paths) : pkg.listFacts(paths);
  ctx.emit(() => listText(kind, list), { item_kind: kind, items: list });
  return 0;
}

export const compoundingCommand: MillraceCommand<CompoundingArgs> = {
  command: "compounding [topic] [action] [id]",
  describe:
    "Governed knowledge: the summary, procedures and facts (ls, show, promote, deprecate), orient, lint",
  builder: (yargs) =>
    yargs
      .positional("topic", { choices: TOPICS, default: "summary", describe: "What to look at" })
      .positional("action", { choices: ACTIONS, describe: "procedures/facts: what to do (default ls)" })
      .positional("id", { type: "string", describe: "The procedure or fact id (show, promote, deprecate)" })
      .option("reason", { type: "string", describe: "promote/deprecate: why (required, recorded)" })
      .option("replacement", {
        type: "string",
        alias: "replacement-procedure-id",
        describe: "deprecate: the workspace item that replaces this one",
      })
      .option("issuer", {
        ...issuerOption,
        alias: ["actor", "changed-by"],
      })
      .option("query", { type: "string", describe: "orient: only entries holding every word" }),
  examples: [
    ["$0 compounding", "Counts, and what waits for review"],
    ["$0 compounding procedures", "Every procedure with its status and how the stages it was given went"],
    [
      "$0 compounding procedures promote proc.workspace.run-1.req-1.builder --reason 'worked twice'",
      "Make a procedure eligible for injection (through the daemon when one runs)",
    ],
    ["$0 compounding lint --json", "The integrity report"],
  ],
  async handler(args, ctx) {
    checkFlags(args);
    switch (args.topic) {
      case "procedures":
        return items(args, ctx, "procedure");
      case "facts":
        return items(args, ctx, "fact");
      case "orient": {
        const paths = requireInitialized(ctx.workspace);
        const { orient } = await import("@millrace/compounding");
        const output = orient(paths, args.query !== undefined ? { query: args.query } : {});
        ctx.emit(() => orientText(output), output);
        return 0;
      }
      case "lint": {
        const paths = requireInitialized(ctx.workspace);
        const { lintCompounding } = await import("@millrace/compounding");
        const report = lintCompounding(paths);
        ctx.emit(() => lintText(report), report);
        return report.status === "fail" ? 1 : 0;
      }
      default: {
        const paths = requireInitialized(ctx.workspace);
        const { compoundingSummary } = await import("@millrace/compounding");
        const summary = compoundingSummary(paths);
        ctx.emit(() => summaryText(summary), summary);
        return 0;
      }
    }
  },
};
