import path from "node:path";
import {
  type ControlRequest,
  type DocumentKind,
  MillraceError,
  QUEUE_FOLDER_STATES,
  type QueueEnqueueOutput,
  type QueueFolderState,
  type QueueInterventionOutput,
  SupersedeCascadeSchema,
} from "@millrace/contracts";
import {
  assertSafeId,
  openQueueStore,
  parseDocumentKind,
  QUEUE_LISTING_DEFAULT_LIMIT,
  type QueueStore,
  readBodyFile,
  readDocumentTextFile,
  readImportFile,
} from "@millrace/queue-store";
import { requireInitialized, type WorkspacePaths, workspaceReadLimits } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";
import { emitControl, issuerOption } from "./control-output.js";
import { itemLines, pageLine, summaryText } from "./queue-listing-text.js";
import { parkedLines, parkedRecord, runQueueRelease } from "./queue-release.js";

const QUEUE_ACTIONS = [
  "ls",
  "show",
  "import",
  "add-task",
  "add-spec",
  "add-idea",
  "cancel",
  "supersede",
  "retarget",
  "resolve",
  "archive",
  "retry-blocked",
  "archive-blocked",
  "release",
  "repair-lineage",
] as const;
type QueueAction = (typeof QUEUE_ACTIONS)[number];

interface QueueArgs {
  action: QueueAction;
  target?: string;
  kind?: string;
  state?: string;
  reason?: string;
  issuer?: string;
  replacement?: string;
  cascade?: string;
  from?: string;
  to?: string;
  invalid?: boolean;
  summary?: boolean;
  limit?: number;
  offset?: number;
  all?: boolean;
  addBudget?: number;
  rootSpecId?: string;
  apply?: boolean;
}

function usage(message: string, hint = "Run `millrace queue --help`."): MillraceError {
  return new MillraceError("usage_invalid_argument", message, { hint });
}

/** `queue ls` lists at most this many items of each (kind, state) folder unless `--limit` or `--all` says otherwise. */
export const QUEUE_LS_DEFAULT_LIMIT = QUEUE_LISTING_DEFAULT_LIMIT;

/** `--limit`, `--offset` and `--all` as the store's page, checked before anything is read. */
function listPage(args: QueueArgs): { limit?: number; offset?: number } {
  const { limit, offset, all } = args;
  if (args.action !== "ls") {
    if (limit !== undefined || offset !== undefined || all === true) {
      throw usage("--limit, --offset and --all apply to `queue ls` only", "Drop them, or use `queue ls`.");
    }
    return {};
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw usage(
      `--limit must be a whole number >= 1, got ${limit}`,
      "Pass e.g. --limit 20, or --all for every item.",
    );
  }
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
    throw usage(
      `--offset must be a whole number >= 0, got ${offset}`,
      "Pass e.g. --offset 100 for the second page.",
    );
  }
  if (all === true && limit !== undefined) {
    throw usage(
      "--all and --limit contradict each other",
      "Pass --limit N for a page, or --all for every item.",
    );
  }
  return {
    ...(all === true ? {} : { limit: limit ?? QUEUE_LS_DEFAULT_LIMIT }),
    ...(offset ? { offset } : {}),
  };
}

/**
 * Every change goes through the supervisor contract: the daemon's mailbox when one owns the
 * workspace, otherwise applied directly under the ownership lock. Applied directly, the result is
 * printed in the command's own shape (`enqueued_*` lines, the intervention record); queued for a
 * daemon, as the control result.
 */
export async function submit(
  ctx: CommandContext,
  request: ControlRequest,
  issuer: string | undefined,
): Promise<number> {
  const { submitControl } = await import("@millrace/supervisor-contract");
  const result = submitControl(ctx.workspace, request.command, request.payload, { issuer });
  if (result.mode === "direct" && result.enqueued) {
    const { kind, id, path: file } = result.enqueued;
    const output: QueueEnqueueOutput = { enqueued: true, kind, ...(id ? { id } : {}), path: file };
    ctx.emit(keyValueLines({ [`enqueued_${kind}`]: file, ...(id ? { id } : {}) }), output);
    return 0;
  }
  if (result.mode === "direct" && result.intervention) {
    const { action, reason, ...moved } = result.intervention;
    const output: QueueInterventionOutput = {
      action,
      mode: "direct",
      applied: result.applied,
      ...moved,
      actor: result.issuer,
      reason,
    };
    ctx.emit(() => keyValueLines(output), output);
    return 0;
  }
  return emitControl(ctx, result);
}

/** `queue repair-lineage --root-spec-id R [--apply]`: the plan, one line per change and skip, and the report. */
async function runLineageRepair(args: QueueArgs, ctx: CommandContext): Promise<number> {
  if (args.target) throw usage("queue repair-lineage takes no positional id; pass --root-spec-id <id>");
  if (!args.rootSpecId) throw usage("queue repair-lineage needs --root-spec-id <id>");
  const { submitLineageRepair } = await import("@millrace/supervisor-contract");
  const report = submitLineageRepair(ctx.workspace, {
    rootSpecId: args.rootSpecId,
    apply: args.apply === true,
    ...(args.issuer === undefined ? {} : { issuer: args.issuer }),
  });
  const text = () => {
    const verb = report.applied ? "changed" : "would change";
    const lines = report.changes.map(
      (c) =>
        `${verb}: ${c.work_item_kind} ${c.work_item_id} (${c.state}) root_spec_id ${c.root_spec_id.from ?? "none"} -> ${c.root_spec_id.to}` +
        (c.spec_id ? `, spec_id ${c.spec_id.from ?? "none"} -> ${c.spec_id.to}` : ""),
    );
    for (const skip of report.skipped)
      lines.push(`skipped: ${skip.work_item_kind} ${skip.work_item_id} (${skip.state}): ${skip.reason}`);
    return (
      keyValueLines({
        root_spec_id: report.root_spec_id,
        applied: report.applied,
        changes: report.changes.length,
        skipped: report.skipped.length,
        report: report.report_path,
      }) + lines.map((line) => `${line}\n`).join("")
    );
  };
  ctx.emit(text, report);
  return 0;
}

function withStore<T>(paths: WorkspacePaths, fn: (store: QueueStore) => T): T {
  const store = openQueueStore(paths);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function requireTarget(args: QueueArgs, what: string): string {
  if (!args.target) throw usage(`queue ${args.action} needs ${what}`);
  return args.target;
}

function requireReason(args: QueueArgs): string {
  const reason = (args.reason ?? "").trim();
  if (!reason) {
    throw new MillraceError("queue_reason_required", `queue ${args.action} needs a non-blank --reason`);
  }
  return reason;
}

function parseKind(value: string | undefined): DocumentKind | undefined {
  return value === undefined ? undefined : parseDocumentKind(value);
}

function parseState(value: string | undefined): QueueFolderState | undefined {
  if (value === undefined) return undefined;
  const aliases: Record<string, QueueFolderState> = { incoming: "queue", resolved: "done" };
  const state = aliases[value] ?? value;
  if (!(QUEUE_FOLDER_STATES as readonly string[]).includes(state)) {
    throw usage(`unknown state ${JSON.stringify(value)}: expected one of ${QUEUE_FOLDER_STATES.join(", ")}`);
  }
  return state as QueueFolderState;
}

async function runQueueAction(args: QueueArgs, ctx: CommandContext): Promise<number> {
  const page = listPage(args);
  const paths = requireInitialized(ctx.workspace);
  const kind = parseKind(args.kind);
  switch (args.action) {
    case "ls": {
      if (args.target) throw usage("queue ls takes no id; use `queue show <id>`");
      const state = parseState(args.state);
      const filter = { ...(kind ? { kind } : {}), ...(state ? { state } : {}), ...page };
      const listing = withStore(paths, (store) => store.listing(filter));
      ctx.emit(
        () => (args.summary ? summaryText(listing) : itemLines(listing, ctx) + pageLine(listing)),
        listing,
      );
      return 0;
    }
    case "release":
      return runQueueRelease(args, ctx);
    case "repair-lineage":
      return runLineageRepair(args, ctx);
    case "show": {
      const id = assertSafeId(requireTarget(args, "a work item id"));
      const parked = await parkedRecord(paths, id);
      const detail = { ...withStore(paths, (store) => store.show(id, kind)), ...(parked ? { parked } : {}) };
      ctx.emit(
        () =>
          keyValueLines({
            kind: detail.kind,
            id: detail.id,
            state: detail.state,
            path: detail.path,
            title: detail.title,
            requeues: detail.requeues.length,
          }) + parkedLines(parked),
        detail,
      );
      return 0;
    }
    case "import":
    case "add-task":
    case "add-spec": {
      const file = requireTarget(args, "a .md or .json file");
      const forced = args.action === "add-task" ? "task" : args.action === "add-spec" ? "spec" : kind;
      // Read under the safe-read rules (a FIFO or /dev/zero fails at once, nothing past the
      // workspace's document cap), then parsed by its extension.
      const cap = workspaceReadLimits(paths).max_document_bytes;
      const text = readDocumentTextFile(path.resolve(ctx.io.cwd, file), file, cap);
      const doc = readImportFile(Buffer.from(text, "utf8"), file, forced, cap);
      const { importDocumentRequest } = await import("@millrace/supervisor-contract");
      return submit(ctx, importDocumentRequest(doc), args.issuer);
    }
    case "add-idea": {
      const file = requireTarget(args, "a markdown idea file");
      const { addIdeaRequest } = await import("@millrace/supervisor-contract");
      const cap = workspaceReadLimits(paths).max_idea_bytes;
      return submit(ctx, addIdeaRequest(path.resolve(ctx.io.cwd, file), cap), args.issuer);
    }
    case "cancel": {
      const id = requireTarget(args, "a work item id");
      const reason = requireReason(args);
      const payload = { id, reason, ...(kind ? { kind } : {}) };
      return submit(ctx, { command: "cancel_work_item", payload }, args.issuer);
    }
    case "supersede": {
      const id = requireTarget(args, "the id of the task to supersede");
      if (!args.replacement) throw usage("queue supersede needs --replacement <task-id>");
      const reason = requireReason(args);
      const cascade = SupersedeCascadeSchema.safeParse(args.cascade ?? "none");
      if (!cascade.success) throw usage(`--cascade must be one of none, retarget, cancel`);
      const payload = { id, replacement_id: args.replacement, cascade: cascade.data, reason };
      return submit(ctx, { command: "supersede_task", payload }, args.issuer);
    }
    case "retarget": {
      const id = requireTarget(args, "the id of the queued task to change");
      if (!args.from || !args.to)
        throw usage("queue retarget needs --from <old-dependency> and --to <new-dependency>");
      const reason = requireReason(args);
      const payload = { id, from: args.from, to: args.to, reason };
      return submit(ctx, { command: "retarget_task_dependency", payload }, args.issuer);
    }
    case "resolve": {
      const id = requireTarget(args, "an incident id");
      return submit(
        ctx,
        { command: "resolve_incident", payload: { id, reason: requireReason(args) } },
        args.issuer,
      );
    }
    case "retry-blocked": {
      const id = requireTarget(args, "the id of a blocked task, spec, incident or probe");
      const { retryBlockedRequest } = await import("@millrace/supervisor-contract");
      return submit(ctx, retryBlockedRequest({ id, kind: args.kind, reason: args.reason }), args.issuer);
    }
    case "archive-blocked": {
      const id = requireTarget(args, "a blocked task id");
      const payload = { id, reason: requireReason(args) };
      return submit(ctx, { command: "archive_blocked_task", payload }, args.issuer);
    }
    case "archive": {
      const target = requireTarget(
        args,
        "a blocked task id (or, with --invalid, a quarantined incident file name)",
      );
      const reason = requireReason(args);
      const request: ControlRequest = args.invalid
        ? { command: "archive_invalid_incident", payload: { file_name: target, reason } }
        : { command: "archive_blocked_task", payload: { id: target, reason } };
      return submit(ctx, request, args.issuer);
    }
  }
}

export const queueCommand: MillraceCommand<QueueArgs> = {
  command: "queue <action> [target]",
  describe:
    "Inspect and change the work queue (ls, show, import, add-task, add-spec, add-idea, cancel, supersede, retarget, resolve, archive, retry-blocked, archive-blocked, release, repair-lineage)",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: QUEUE_ACTIONS, describe: "What to do" })
      .positional("target", { type: "string", describe: "Work item id, or a file for import/add-*" })
      .option("kind", {
        type: "string",
        describe: "task | spec | incident | learning_request | probe | blueprint_draft",
      })
      .option("state", { type: "string", describe: "ls: queue | active | done | blocked" })
      .option("summary", {
        type: "boolean",
        describe: "ls: print queue depths and counts per kind instead of the items",
      })
      .option("limit", {
        type: "number",
        describe: `ls: at most N items of each kind and state, oldest first (default ${QUEUE_LS_DEFAULT_LIMIT})`,
      })
      .option("offset", { type: "number", describe: "ls: skip the first N items of each kind and state" })
      .option("all", { type: "boolean", describe: "ls: every item, however many (no --limit)" })
      .option("reason", {
        type: "string",
        describe:
          "Why (required by cancel, supersede, retarget, resolve, archive, archive-blocked; retry-blocked defaults to 'retried by operator')",
      })
      .option("issuer", issuerOption)
      .option("replacement", { type: "string", describe: "supersede: the replacing task id" })
      .option("cascade", {
        type: "string",
        describe: "supersede: none | retarget | cancel for queued dependents",
      })
      .option("from", { type: "string", describe: "retarget: the dependency to replace" })
      .option("to", { type: "string", describe: "retarget: the new dependency" })
      .option("invalid", {
        type: "boolean",
        describe: "archive: the target is a quarantined incident file name",
      })
      .option("add-budget", {
        type: "number",
        describe: "release: add this much to each budget the parked item is over",
      })
      .option("root-spec-id", {
        type: "string",
        describe: "repair-lineage: the closure target's root spec id",
      })
      .option("apply", {
        type: "boolean",
        describe: "repair-lineage: rewrite the documents (default: preview only; needs the daemon stopped)",
      }),
  examples: [
    [
      "$0 queue ls",
      `Work items, at most ${QUEUE_LS_DEFAULT_LIMIT} of each kind and state: kind, state, id, title`,
    ],
    ["$0 queue ls --summary", "Queue depths and counts per kind and state"],
    ["$0 queue ls --json --all", "Depths, counts and every item as JSON"],
    ["$0 queue ls --kind task --state queue --offset 100", "The second page of queued tasks"],
    ["$0 queue show task-123", "Where a work item is"],
    ["$0 queue import spec.json --kind spec", "Enqueue a JSON or markdown document"],
    ["$0 queue cancel task-123 --reason 'duplicate'", "Archive a queued task, recording why"],
    ["$0 queue retry-blocked task-123 --reason 'network is back'", "Requeue a blocked item, same lineage"],
    [
      "$0 queue repair-lineage --root-spec-id spec-root",
      "Preview the repair of a closure target's lineage drift",
    ],
  ],
  handler(args, ctx) {
    return runQueueAction(args, ctx);
  },
};

interface AddArgs {
  title: string;
  bodyFile?: string;
  specId?: string;
  id?: string;
  issuer?: string;
}

function readBody(args: AddArgs, ctx: CommandContext, paths: WorkspacePaths): string | undefined {
  if (!args.bodyFile) return undefined;
  return readBodyFile(
    path.resolve(ctx.io.cwd, args.bodyFile),
    workspaceReadLimits(paths).max_body_file_bytes,
  );
}

/** add-task and add-spec: a document from a title, the issuer as its Created-By. */
async function addFromTitle(kind: "task" | "spec", args: AddArgs, ctx: CommandContext): Promise<number> {
  const paths = requireInitialized(ctx.workspace);
  const { addSpecRequest, addTaskRequest, normalizeIssuer } = await import("@millrace/supervisor-contract");
  const issuer = normalizeIssuer(args.issuer);
  const body = readBody(args, ctx, paths);
  const input = {
    title: args.title,
    id: args.id,
    body,
    references: args.bodyFile ? [args.bodyFile] : undefined,
    createdBy: issuer,
  };
  const request = kind === "task" ? addTaskRequest({ ...input, specId: args.specId }) : addSpecRequest(input);
  return submit(ctx, request, issuer);
}

export const addTaskCommand: MillraceCommand<AddArgs> = {
  command: "add-task <title>",
  describe: "Enqueue a task from a title (body from --body-file)",
  builder: (yargs) =>
    yargs
      .positional("title", { type: "string", describe: "The task's title" })
      .option("body-file", { type: "string", describe: "Markdown prose to append as the task's body" })
      .option("spec-id", { type: "string", describe: "The spec the task belongs to" })
      .option("id", { type: "string", describe: "Task id (default: task-<slug>-<random>)" })
      .option("issuer", {
        ...issuerOption,
        describe: `${issuerOption.describe}; also the task's Created-By`,
      }),
  examples: [["$0 add-task 'Fix the login redirect' --spec-id spec-auth", "Enqueue a task"]],
  handler(args, ctx) {
    return addFromTitle("task", args, ctx);
  },
};

export const addSpecCommand: MillraceCommand<AddArgs> = {
  command: "add-spec <title>",
  describe: "Enqueue a manual spec from a title (body from --body-file)",
  builder: (yargs) =>
    yargs
      .positional("title", { type: "string", describe: "The spec's title" })
      .option("body-file", { type: "string", describe: "Markdown prose to append as the spec's body" })
      .option("id", { type: "string", describe: "Spec id (default: spec-<slug>-<random>)" })
      .option("issuer", {
        ...issuerOption,
        describe: `${issuerOption.describe}; also the spec's Created-By`,
      }),
  examples: [["$0 add-spec 'Harden the fetcher' --body-file notes.md", "Enqueue a spec for planning"]],
  handler(args, ctx) {
    return addFromTitle("spec", args, ctx);
  },
};

export const addIdeaCommand: MillraceCommand<{ file: string; issuer?: string }> = {
  command: "add-idea <file>",
  describe: "Drop a markdown idea into the ideas inbox (ideas/inbox/)",
  builder: (yargs) =>
    yargs
      .positional("file", { type: "string", describe: "A .md file; its name becomes the idea id" })
      .option("issuer", issuerOption),
  examples: [["$0 add-idea notes/faster-startup.md", "Drop an idea; planning turns it into a spec"]],
  handler(args, ctx) {
    return runQueueAction(
      { action: "add-idea", target: args.file, ...(args.issuer ? { issuer: args.issuer } : {}) },
      ctx,
    );
  },
};
