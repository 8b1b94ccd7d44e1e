import { compareCodeUnits } from "./text-order.js";
/**
 * Every error Millrace raises on purpose is a MillraceError with a permanent `code`. The catalog
 * below is the single list of codes: the CLI maps a code to its exit status, and `docs/errors.md`
 * is generated from it. Add a code here before throwing it.
 *
 * Exit statuses (DESIGN.md decision 9): 1 failure, 2 usage error, 3 not initialized / refused state.
 */
export type ExitStatus = 1 | 2 | 3;

interface ErrorCodeInfo {
  readonly exit: ExitStatus;
  readonly title: string;
  readonly hint: string;
}

function code(exit: ExitStatus, title: string, hint: string): ErrorCodeInfo {
  return { exit, title, hint };
}

export const ERROR_CODES = {
  // usage (2)
  usage_invalid_argument: code(2, "A command-line argument is invalid.", "Run the command with --help."),
  invalid_id: code(
    2,
    "An id is not a safe identifier.",
    "Ids start with a letter or digit and use only letters, digits, '.', '_' and '-'.",
  ),
  issuer_invalid: code(
    2,
    "The issuer name is empty or uses characters outside the safe set.",
    "Pass --issuer NAME: letters, digits, '.', '_', '-', '@', ':' (spaces become '-'), at most 64 characters.",
  ),
  init_target_is_file: code(
    2,
    "The init target is a file, not a folder.",
    "Pass a folder path (absent or empty) to `millrace init`.",
  ),
  // refused state (3)
  workspace_not_initialized: code(
    3,
    "The folder is not an initialized Millrace workspace.",
    "Run `millrace init <path>` first, or pass --workspace.",
  ),
  init_target_not_empty: code(
    3,
    "The init target already holds files.",
    "Use `millrace init --force` to rewrite only the managed baseline files, or pick an empty folder.",
  ),
  workspace_locked: code(
    3,
    "Another process owns the workspace.",
    "Stop that process first; if it is gone, run `millrace clear-stale-state`.",
  ),
  upgrade_conflict: code(
    3,
    "The upgrade would overwrite local changes.",
    "Review the conflicting files; re-run with --force to take the packaged versions.",
  ),
  // failures (1)
  workspace_not_writable: code(
    1,
    "The workspace cannot be written.",
    "Check the folder's permissions and free disk space.",
  ),
  workspace_io_failed: code(
    1,
    "A workspace file could not be read or written.",
    "Check the path and permissions.",
  ),
  config_parse_failed: code(
    1,
    "millrace.toml is not valid TOML.",
    "Fix the syntax at the reported line, then run `millrace config validate`.",
  ),
  config_invalid: code(
    1,
    "millrace.toml does not match the configuration schema.",
    "Fix the named key; `docs/configuration.md` lists every key.",
  ),
  config_edit_unsafe: code(
    1,
    "millrace.toml has a shape the targeted editor cannot change without risking the rest of the file.",
    "Edit millrace.toml by hand (a [table] section with one `key = value` per line), or simplify that part and retry.",
  ),
  model_alias_not_found: code(
    1,
    "No model alias with that id is defined in millrace.toml.",
    "Run `millrace model-aliases list`, or define it with `millrace model-aliases set <alias> --model <name>`.",
  ),
  model_alias_in_use: code(
    1,
    "The model alias is still assigned, so removing it would leave stages pointing at nothing.",
    "Clear its assignments first (`millrace model-aliases clear-global|clear-loop|clear-stage`), then remove it.",
  ),
  manifest_invalid: code(
    1,
    "The baseline manifest is missing or unreadable.",
    "Run `millrace init --force` to rebuild the managed baseline.",
  ),
  lock_invalid: code(
    1,
    "The ownership lock file is unreadable.",
    "Run `millrace clear-stale-state` to remove it.",
  ),
  not_found: code(1, "The requested item does not exist.", "Check the id with the matching `ls` command."),
  internal_error: code(
    1,
    "Millrace hit an internal error.",
    "Please report it with the command and its output.",
  ),
  // --- file system (unexpected I/O errors, mapped from their errno by ioErrorToMillraceError)
  workspace_read_only: code(
    1,
    "A file could not be written: the file system is mounted read-only.",
    "Remount the workspace read-write (or run Millrace from a writable copy), then retry.",
  ),
  disk_full: code(
    1,
    "A file could not be written: the disk is full or the disk quota is used up.",
    "Free disk space (or raise the quota), then retry.",
  ),
  permission_denied: code(
    1,
    "The operating system refused access to a file.",
    "Make sure the user running Millrace owns the workspace and may read and write it, then retry.",
  ),
  io_error: code(
    1,
    "The disk reported an input/output error.",
    "Check the device and the file named in the message (e.g. dmesg), then retry.",
  ),
  too_many_open_files: code(
    1,
    "The process or the system ran out of file descriptors.",
    "Raise the open-file limit (ulimit -n) or stop other processes, then retry.",
  ),
  // --- workspace
  upgrade_localize_invalid: code(
    2,
    "A --localize-removed path is not a file the package removed.",
    "Pass runtime-root-relative paths (e.g. skills/old/SKILL.md) that `millrace upgrade` lists as conflicts removed from the package.",
  ),
  workspace_path_escapes: code(
    1,
    "A runtime-owned path leads out of the workspace through a symbolic link.",
    "Replace the named link with a real folder or file inside the workspace; `millrace doctor` lists such links.",
  ),
  workspace_file_rejected: code(
    1,
    "A file is not a regular file, is over its size limit, or is not plain UTF-8 text.",
    "Pass a regular text file within the size limit; links, devices, pipes and folders are refused.",
  ),
  // --- compiler
  compile_failed: code(
    1,
    "The runtime assets or config do not compile into a plan.",
    "Fix each reported file, node or edge, then run `millrace compile validate`.",
  ),
  mode_not_found: code(
    1,
    "No mode with that id exists in the workspace or the packaged baseline.",
    "Run `millrace modes ls` to see the modes you can use.",
  ),
  compiled_plan_missing: code(
    3,
    "There is no compiled plan for this workspace.",
    "Run `millrace compile validate` to compile and persist the plan.",
  ),
  compiled_plan_stale: code(
    3,
    "The compiled plan no longer matches the assets or the structural config.",
    "Run `millrace compile validate` to recompile, then retry.",
  ),
  // --- queue-store
  work_document_invalid: code(
    1,
    "A work document does not follow the markdown grammar or the document schema.",
    "Fix the named line and field; `docs/work-documents.md` describes the format.",
  ),
  work_document_too_large: code(
    1,
    "A work document (or a body or idea file) is larger than its `[limits]` cap (1 MiB by default).",
    "Keep work documents short and move long material into a referenced file, or raise the cap named in the message under [limits] in millrace.toml.",
  ),
  work_document_kind_unknown: code(
    2,
    "The work-item kind is not one of task, spec, incident, learning_request, probe.",
    "Pass --kind with one of: task, spec, incident, learning_request, probe.",
  ),
  queue_import_unsupported: code(
    2,
    "Only .md and .json files can be imported as work documents.",
    "Pass a markdown work document (.md) or its JSON form (.json).",
  ),
  queue_id_exists: code(
    1,
    "A work item with that id already exists in the queue.",
    "Pick a new id; `millrace queue show <id>` shows where the existing one is.",
  ),
  queue_item_not_found: code(
    1,
    "No work item with that id exists in the queue folders.",
    "Check the id with `millrace queue ls --json`.",
  ),
  queue_state_conflict: code(
    3,
    "The work item is not in a state that allows this operation.",
    "Check its state with `millrace queue show <id>`; only the listed states are accepted.",
  ),
  queue_reason_required: code(
    2,
    "The operation needs a non-blank --reason.",
    'Say why, e.g. --reason "duplicate of task-123"; it is recorded in the audit log.',
  ),
  // --- runners
  runner_unknown: code(
    1,
    "No stage runner with that name is registered.",
    "Use one of the listed runners in `runners.default_runner` or `[stages.<stage>] runner`.",
  ),
  runner_request_invalid: code(
    1,
    "A stage run request does not satisfy the request contract.",
    "This is a runtime bug unless you build requests yourself; fix the named field.",
  ),
  runner_preflight_failed: code(
    1,
    "A runner the mode uses cannot start: its executable is missing or does not run, its version is too old, or its credentials are missing. `run` refuses before the first stage.",
    "Do what the message says for that runner (install the agent CLI, set `runners.<name>.command`, set its API key or log in), check with `millrace doctor`, then run again.",
  ),
  scripted_script_invalid: code(
    1,
    "The scripted runner's script file is missing or invalid.",
    "Fix the named key in the script file; `docs/runners.md` describes the format.",
  ),
  // --- scheduler
  closure_target_conflict: code(
    3,
    "More than one closure target is open, or a target does not fit its lineage.",
    "Inspect millrace-agents/arbiter/targets/ and close or remove the extra target.",
  ),
  engine_state_invalid: code(
    1,
    "A runtime state file (snapshot, counters, status) is unreadable.",
    "Run `millrace doctor`; `millrace clear-stale-state` resets runtime state without losing work.",
  ),
  mailbox_command_invalid: code(
    2,
    "A control command or its payload is invalid.",
    "Check the command's arguments with --help.",
  ),
  control_refused: code(
    3,
    "The runtime refused the control command in its current state.",
    "Read the detail; `millrace status` shows what is active.",
  ),
  // --- sentinel and recovery requests
  sentinel_nothing_to_acknowledge: code(
    3,
    "Sentinel has no cap waiting for acknowledgement.",
    "`millrace sentinel status` shows whether a soft or hard cap is pending.",
  ),
  recovery_force_queue_required: code(
    2,
    "A manual recovery request needs --force-queue.",
    "Add --force-queue to queue it anyway, with --reason saying why.",
  ),
  // --- governance
  approval_not_found: code(
    1,
    "No capability approval with that id exists.",
    "List approvals with their ids under millrace-agents/approvals/pending/ and resolved/.",
  ),
  approval_already_resolved: code(
    3,
    "The capability approval is no longer pending.",
    "Only pending approvals can be approved, denied or expired; a new dispatch asks for a new one.",
  ),
  // --- operator questions
  question_not_found: code(
    1,
    "No operator question with that id exists.",
    "Run `millrace interview list` to see the questions and their ids.",
  ),
  question_already_resolved: code(
    3,
    "The operator question is already resolved.",
    "Only pending questions can be answered, accepted or skipped; `millrace interview show ID` shows the resolution.",
  ),
  question_answer_invalid: code(
    2,
    "The answer to an operator question is empty, too long or not plain text.",
    "Pass a non-empty answer with --text or --file, or use `interview accept` / `interview skip`.",
  ),
  budget_release_invalid: code(
    2,
    "A budget release (add_budget) is invalid.",
    "Give a scope (work_item, lineage or stage_kind), a key, a metric and a positive amount.",
  ),
  // --- git
  git_unavailable: code(
    1,
    "The git executable could not be started.",
    "Install git and make sure it is on PATH (or pass the path of the git binary).",
  ),
  git_command_failed: code(
    1,
    "A git command failed.",
    "Read git's own message in the details; run the same command by hand in that folder to see more.",
  ),
  git_timeout: code(
    1,
    "A git command did not finish in time and was stopped.",
    "Check for a stuck lock (.git/index.lock), a slow remote or a hook waiting for input, then retry.",
  ),
  git_not_a_repository: code(
    3,
    "The folder is not inside a git working tree with at least one commit.",
    "Run `git init` and make a first commit in the workspace, or point Millrace at the repository root.",
  ),
  git_detached_head: code(
    3,
    "The workspace has no branch checked out (detached HEAD).",
    "Check out the branch work should land on (`git switch <branch>`), then retry.",
  ),
  git_merge_in_progress: code(
    3,
    "The workspace repository is in the middle of a merge Millrace did not start.",
    "Finish or abort that merge (`git merge --abort`), then retry.",
  ),
  git_identity_missing: code(
    1,
    "git has no author identity to commit with.",
    "Set user.name and user.email in the repository's git config, or pass an author.",
  ),
  land_blocked_by_local_changes: code(
    3,
    "Landing would overwrite uncommitted changes in the workspace.",
    "Commit or stash the workspace changes to the listed files, then land again.",
  ),
  lane_exists: code(
    3,
    "A lane worktree or branch for that item already exists.",
    "Inspect it with the lane listing; remove it or reconcile lanes before creating it again.",
  ),
  lane_not_found: code(
    1,
    "No lane record exists for that item.",
    "List the lanes to see the recorded items.",
  ),
  lane_interrupted: code(
    3,
    "The lane was interrupted in the middle of being created or removed.",
    "Reconcile lanes first (the runtime does at startup), then retry.",
  ),
  lane_unlanded: code(
    3,
    "The lane's branch holds commits the workspace branch does not have.",
    "Land the lane first, or remove it with discard to drop its work on purpose.",
  ),
  staging_manifest_invalid: code(
    1,
    "The staging manifest is missing or invalid.",
    "Fix the named line: `version: N`, a non-empty `paths:` list and an optional `optional_paths:` list of repo-relative paths.",
  ),
  staging_path_missing: code(
    1,
    "A required path of the staging manifest does not exist in the workspace.",
    "Create the path, or move it to `optional_paths:` in the staging manifest.",
  ),
  staging_repo_invalid: code(
    3,
    "The staging folder is not a git repository of its own.",
    "Run `git init` in the staging folder (and add an `origin` remote to publish), or pass the right staging folder.",
  ),
  publish_push_failed: code(
    1,
    "The staging commit was made but pushing it to origin failed.",
    "Read git's message in the details, fix the remote or credentials, then push again.",
  ),
  // --- compounding
  skill_invalid: code(
    1,
    "A skill failed validation and was not installed.",
    "Fix the reported file (front matter with name and description, size caps, no scripts or links) and install again.",
  ),
  skill_conflict: code(
    3,
    "A skill with that name is already installed.",
    "Remove the installed skill first, or install again with replace.",
  ),
  compounding_item_not_found: code(
    1,
    "No procedure or context fact has that id.",
    "Check the id against millrace-agents/compounding/procedures/ and context_facts/ (workspace-scope files are named <id>.json).",
  ),
  // --- dashboard (`millrace serve`)
  dashboard_request_refused: code(
    1,
    "The dashboard refused a request: a foreign Host or Origin, or a method that would change something.",
    "Open the dashboard at the address `millrace serve` printed; it is read-only.",
  ),
  dashboard_listen_failed: code(
    1,
    "The dashboard server could not listen on the requested address.",
    "Pick another --port (or free the port), and check that --host is an address of this machine.",
  ),
  dashboard_token_refused: code(
    1,
    "A dashboard control request came without the control token (HTTP 401) or with a wrong one (403).",
    "Open the dashboard with the ?token=... URL `millrace serve --allow-control` printed.",
  ),
  // --- cli
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface MillraceErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class MillraceError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: MillraceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MillraceError";
    this.code = code;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
    this.details = options.details ?? {};
  }

  get exitStatus(): ExitStatus {
    return ERROR_CODES[this.code].exit;
  }

  /** True for any MillraceError, including one from another copy of this package. */
  static isInstance(value: unknown): value is MillraceError {
    return (
      value instanceof MillraceError ||
      (typeof value === "object" &&
        value !== null &&
        (value as { name?: unknown }).name === "MillraceError" &&
        typeof (value as { code?: unknown }).code === "string" &&
        (value as { code: string }).code in ERROR_CODES)
    );
  }

  toJSON(): { error: { code: ErrorCode; message: string; hint: string; details: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, hint: this.hint, details: this.details } };
  }
}

/** The error catalog as markdown (`docs/errors.md` is generated from this). */
export function renderErrorCatalog(): string {
  const lines = [
    "# Error codes",
    "",
    "<!-- Generated from ERROR_CODES in packages/contracts/src/errors.ts by `pnpm docs:generate`. Do not edit. -->",
    "",
    "Every error Millrace reports on purpose has a permanent code. The CLI prints `error: <message>` and",
    '`hint: <what to do>` (or, with `--json`, `{"error": {"code", "message", "hint", "details"}}`) and',
    "exits with the status below: 1 failure, 2 usage error, 3 not initialized or refused state.",
    "",
    "| code | exit | what happened | what to do |",
    "|---|---|---|---|",
  ];
  for (const [name, info] of Object.entries(ERROR_CODES).sort(([a], [b]) => compareCodeUnits(a, b))) {
    lines.push(`| \`${name}\` | ${info.exit} | ${info.title} | ${info.hint.replace(/\|/g, "\\|")} |`);
  }
  return `${lines.join("\n")}\n`;
}
