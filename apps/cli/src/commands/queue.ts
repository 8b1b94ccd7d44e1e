import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type DocumentKind,
  type MailboxCommand,
  MillraceError,
  QUEUE_FOLDER_STATES,
  type QueueEnqueueOutput,
  type QueueFolderState,
  type QueueInterventionOutput,
  SupersedeCascadeSchema,
} from "@millrace/contracts";
import {
  archiveBlockedTask,
  archiveInvalidIncident,
  assertSafeId,
  buildSpecFromTitle,
  buildTaskFromTitle,
  cancelWorkItem,
  dropIdea,
  type InterventionResult,
  openQueueStore,
  parseDocumentKind,
  type QueueStore,
  readBodyFile,
  readImportFile,
  resolveIncident,
  retargetTaskDependency,
  supersedeTask,
} from "@millrace/queue-store";
import {
  inspectLock,
  requireInitialized,
  toWorkspaceRelative,
  type WorkspacePaths,
} from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";
import { itemLines, summaryText } from "./queue-listing-text.js";
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
  "release",
] as const;
type QueueAction = (typeof QUEUE_ACTIONS)[number];

interface QueueArgs {
  action: QueueAction;
  target?: string;
  kind?: string;
  state?: string;
  reason?: string;
  actor?: string;
  replacement?: string;
  cascade?: string;
  from?: string;
  to?: string;
  invalid?: boolean;
  summary?: boolean;
  addBudget?: number;
}

/** Kinds that have a mailbox command for adding them while a daemon runs. */
const MAILBOX_ADD_COMMANDS: Partial<Record<DocumentKind, MailboxCommand>> = {
  task: "add_task",
  spec: "add_spec",
  probe: "add_probe",
};

function usage(message: string, hint = "Run `millrace queue --help`."): MillraceError {
  return new MillraceError("usage_invalid_argument", message, { hint });
}

/**
 * While a daemon owns the workspace, changes go through its mailbox (applied at a safe boundary, in
 * order) and the control result is printed; otherwise the caller applies them directly.
 */
async function viaDaemon(
  ctx: CommandContext,
  paths: WorkspacePaths,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  actor: string,
): Promise<boolean> {
  if (inspectLock(paths).state !== "active") return false;
  const { controlWorkspace } = await import("@millrace/scheduler");
  const result = controlWorkspace(paths.root, command, payload, { issuer: actor });
  ctx.emit(() => keyValueLines({ ...result }), result);
  return true;
}

function refuseWhenDaemonOwns(paths: WorkspacePaths, what: string): void {
  const lock = inspectLock(paths);
  if (lock.state === "active") {
    throw new MillraceError(
      "workspace_locked",
      `a running Millrace daemon (pid ${lock.lock.owner_pid}) owns ${paths.root}, and ${what} has no mailbox command`,
      { hint: "Stop the daemon first (`millrace stop`), then retry." },
    );
  }
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

function interventionOutput(paths: WorkspacePaths, result: InterventionResult): QueueInterventionOutput {
  return {
    action: result.action,
    mode: "direct",
    applied: true,
    work_item_kind: result.work_item_kind,
    work_item_id: result.work_item_id,
    source_state: result.source_state,
    destination_state: result.destination_state,
    source_path: toWorkspaceRelative(paths, result.source_path),
    destination_path: toWorkspaceRelative(paths, result.destination_path),
    replacement_work_item_id: result.replacement_work_item_id,
    affected_dependents: result.affected_dependents,
    actor: result.record.actor,
    reason: result.record.reason,
  };
}

function emitEnqueued(
  ctx: CommandContext,
  paths: WorkspacePaths,
  kind: string,
  id: string,
  file: string,
): void {
  const relative = toWorkspaceRelative(paths, file);
  ctx.emit(keyValueLines({ [`enqueued_${kind}`]: relative, id }), {
    enqueued: true,
    kind,
    id,
    path: relative,
  });
}

async function runQueueAction(args: QueueArgs, ctx: CommandContext): Promise<number> {
  const paths = requireInitialized(ctx.workspace);
  const kind = parseKind(args.kind);
  const actor = args.actor ?? "operator";
  switch (args.action) {
    case "ls": {
      if (args.target) throw usage("queue ls takes no id; use `queue show <id>`");
      const state = parseState(args.state);
      const filter = { ...(kind ? { kind } : {}), ...(state ? { state } : {}) };
      const listing = withStore(paths, (store) => store.listing(filter));
      ctx.emit(() => (args.summary ? summaryText(listing) : itemLines(listing, ctx)), listing);
      return 0;
    }
    case "release":
      return runQueueRelease(args, ctx);
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
      const absolute = path.resolve(ctx.io.cwd, file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(absolute);
      } catch (error) {
        throw new MillraceError("workspace_io_failed", `cannot read ${file}: ${(error as Error).message}`);
      }
      const doc = readImportFile(bytes, file, forced);
      const mailboxCommand = MAILBOX_ADD_COMMANDS[doc.kind];
      if (mailboxCommand && (await viaDaemon(ctx, paths, mailboxCommand, { document: doc }, actor))) return 0;
      refuseWhenDaemonOwns(paths, `importing a ${doc.kind}`);
      const ref = withStore(paths, (store) => store.enqueue(doc.kind, doc));
      emitEnqueued(ctx, paths, ref.kind, ref.id, ref.path);
      return 0;
    }
    case "add-idea": {
      const file = requireTarget(args, "a markdown idea file");
      const source = path.resolve(ctx.io.cwd, file);
      if (inspectLock(paths).state === "active") {
        let markdown: string;
        try {
          markdown = readFileSync(source, "utf8");
        } catch (error) {
          throw new MillraceError("workspace_io_failed", `cannot read ${file}: ${(error as Error).message}`);
        }
        if (await viaDaemon(ctx, paths, "add_idea", { source_name: path.basename(source), markdown }, actor))
          return 0;
      }
      const target = dropIdea(paths, source);
      const relative = toWorkspaceRelative(paths, target);
      const output: QueueEnqueueOutput = { enqueued: true, kind: "idea", path: relative };
      ctx.emit(keyValueLines({ enqueued_idea: relative }), output);
      return 0;
    }
    case "cancel": {
      const id = requireTarget(args, "a work item id");
      const reason = requireReason(args);
      if (await viaDaemon(ctx, paths, "cancel_work_item", { id, reason, ...(kind ? { kind } : {}) }, actor))
        return 0;
      const result = withStore(paths, (store) =>
        cancelWorkItem(store, id, { reason, actor, ...(kind ? { kind } : {}) }),
      );
      ctx.emit(() => keyValueLines(interventionOutput(paths, result)), interventionOutput(paths, result));
      return 0;
    }
    case "supersede": {
      const id = requireTarget(args, "the id of the task to supersede");
      if (!args.replacement) throw usage("queue supersede needs --replacement <task-id>");
      const reason = requireReason(args);
      const cascade = SupersedeCascadeSchema.safeParse(args.cascade ?? "none");
      if (!cascade.success) throw usage(`--cascade must be one of none, retarget, cancel`);
      const replacement = args.replacement;
      if (
        await viaDaemon(
          ctx,
          paths,
          "supersede_task",
          { id, replacement_id: replacement, cascade: cascade.data, reason },
          actor,
        )
      )
        return 0;
      const result = withStore(paths, (store) =>
        supersedeTask(store, id, replacement, { reason, actor, cascade: cascade.data }),
      );
      ctx.emit(() => keyValueLines(interventionOutput(paths, result)), interventionOutput(paths, result));
      return 0;
    }
    case "retarget": {
      const id = requireTarget(args, "the id of the queued task to change");
      if (!args.from || !args.to)
        throw usage("queue retarget needs --from <old-dependency> and --to <new-dependency>");
      const reason = requireReason(args);
      const { from, to } = args;
      if (await viaDaemon(ctx, paths, "retarget_task_dependency", { id, from, to, reason }, actor)) return 0;
      const result = withStore(paths, (store) =>
        retargetTaskDependency(store, id, from, to, { reason, actor }),
      );
      ctx.emit(() => keyValueLines(interventionOutput(paths, result)), interventionOutput(paths, result));
      return 0;
    }
    case "resolve": {
      const id = requireTarget(args, "an incident id");
      const reason = requireReason(args);
      if (await viaDaemon(ctx, paths, "resolve_incident", { id, reason }, actor)) return 0;
      const result = withStore(paths, (store) => resolveIncident(store, id, { reason, actor }));
      ctx.emit(() => keyValueLines(interventionOutput(paths, result)), interventionOutput(paths, result));
      return 0;
    }
    case "archive": {
      const target = requireTarget(
        args,
        "a blocked task id (or, with --invalid, a quarantined incident file name)",
      );
      const reason = requireReason(args);
      const archiveCommand = args.invalid ? "archive_invalid_incident" : "archive_blocked_task";
      const archivePayload = args.invalid ? { file_name: target, reason } : { id: target, reason };
      if (await viaDaemon(ctx, paths, archiveCommand, archivePayload, actor)) return 0;
      const result = withStore(paths, (store) =>
        args.invalid
          ? archiveInvalidIncident(store, target, { reason, actor })
          : archiveBlockedTask(store, target, { reason, actor }),
      );
      ctx.emit(() => keyValueLines(interventionOutput(paths, result)), interventionOutput(paths, result));
      return 0;
    }
  }
}

export const queueCommand: MillraceCommand<QueueArgs> = {
  command: "queue <action> [target]",
  describe:
    "Inspect and change the work queue (ls, show, import, add-task, add-spec, add-idea, cancel, supersede, retarget, resolve, archive, release)",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: QUEUE_ACTIONS, describe: "What to do" })
      .positional("target", { type: "string", describe: "Work item id, or a file for import/add-*" })
      .option("kind", { type: "string", describe: "task | spec | incident | learning_request | probe" })
      .option("state", { type: "string", describe: "ls: queue | active | done | blocked" })
      .option("summary", {
        type: "boolean",
        describe: "ls: print queue depths and counts per kind instead of the items",
      })
      .option("reason", {
        type: "string",
        describe: "Why (required by cancel, supersede, retarget, resolve, archive)",
      })
      .option("actor", {
        type: "string",
        describe: "Who is acting (recorded in the audit log)",
        default: "operator",
      })
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
      }),
  examples: [
    ["$0 queue ls", "Every work item: kind, state, id and title"],
    ["$0 queue ls --summary", "Queue depths and counts per kind and state"],
    ["$0 queue ls --json", "Depths, counts and every item as JSON"],
    ["$0 queue show task-123", "Where a work item is"],
    ["$0 queue import spec.json --kind spec", "Enqueue a JSON or markdown document"],
    ["$0 queue cancel task-123 --reason 'duplicate'", "Archive a queued task, recording why"],
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
  actor?: string;
}

function readBody(args: AddArgs, ctx: CommandContext): string | undefined {
  return args.bodyFile ? readBodyFile(path.resolve(ctx.io.cwd, args.bodyFile)) : undefined;
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
      .option("actor", { type: "string", describe: "Recorded as Created-By", default: "operator" }),
  examples: [["$0 add-task 'Fix the login redirect' --spec-id spec-auth", "Enqueue a task"]],
  async handler(args, ctx) {
    const paths = requireInitialized(ctx.workspace);
    const body = readBody(args, ctx);
    const doc = buildTaskFromTitle({
      title: args.title,
      ...(args.id ? { id: args.id } : {}),
      ...(args.specId ? { specId: args.specId } : {}),
      ...(body ? { body } : {}),
      ...(args.bodyFile ? { references: [args.bodyFile] } : {}),
      createdBy: args.actor ?? "operator",
    });
    if (await viaDaemon(ctx, paths, "add_task", { document: doc }, args.actor ?? "operator")) return 0;
    const ref = withStore(paths, (store) => store.enqueue("task", doc));
    emitEnqueued(ctx, paths, "task", ref.id, ref.path);
    return 0;
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
      .option("actor", { type: "string", describe: "Recorded as Created-By", default: "operator" }),
  examples: [["$0 add-spec 'Harden the fetcher' --body-file notes.md", "Enqueue a spec for planning"]],
  async handler(args, ctx) {
    const paths = requireInitialized(ctx.workspace);
    const body = readBody(args, ctx);
    const doc = buildSpecFromTitle({
      title: args.title,
      ...(args.id ? { id: args.id } : {}),
      ...(body ? { body } : {}),
      ...(args.bodyFile ? { references: [args.bodyFile] } : {}),
      createdBy: args.actor ?? "operator",
    });
    if (await viaDaemon(ctx, paths, "add_spec", { document: doc }, args.actor ?? "operator")) return 0;
    const ref = withStore(paths, (store) => store.enqueue("spec", doc));
    emitEnqueued(ctx, paths, "spec", ref.id, ref.path);
    return 0;
  },
};

export const addIdeaCommand: MillraceCommand<{ file: string }> = {
  command: "add-idea <file>",
  describe: "Drop a markdown idea into the ideas inbox (ideas/inbox/)",
  builder: (yargs) =>
    yargs.positional("file", { type: "string", describe: "A .md file; its name becomes the idea id" }),
  examples: [["$0 add-idea notes/faster-startup.md", "Drop an idea; planning turns it into a spec"]],
  handler(args, ctx) {
    return runQueueAction({ action: "add-idea", target: args.file }, ctx);
  },
};
