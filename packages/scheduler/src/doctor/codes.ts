// Over 400 lines: one entry per doctor code, a table that `doctor` and the troubleshooting page read.
import type { DoctorCheck, DoctorGroup } from "@millrace/contracts";

/** What a doctor check code means and what to do about it (docs/troubleshooting.md lists them all). */
export interface DoctorCodeInfo {
  readonly group: DoctorGroup;
  readonly status: DoctorCheck["status"];
  readonly meaning: string;
  readonly action: string;
}

function info(
  group: DoctorGroup,
  status: DoctorCheck["status"],
  meaning: string,
  action: string,
): DoctorCodeInfo {
  return { group, status, meaning, action };
}

const NOTHING = "Nothing to do.";

/**
 * Every code `doctor` can report. Codes are permanent: a check may gain a code, never lose or
 * rename one. `ok` codes are printed only in `--json` output.
 */
export const DOCTOR_CHECK_CODES = {
  // --- workspace (from @millrace/workspace runDoctor)
  workspace_not_initialized: info(
    "workspace",
    "error",
    "The folder has no `millrace-agents/` runtime folder.",
    "Run `millrace init <path>`, or pass the right `--workspace`.",
  ),
  workspace_directories: info("workspace", "ok", "Every runtime folder exists.", NOTHING),
  missing_directory: info(
    "workspace",
    "error",
    "A runtime folder (a queue state folder, `state/`, `runs/`, ...) is missing.",
    "Run `millrace init --force`: it re-creates missing folders and keeps queues, state and config.",
  ),
  workspace_files: info("workspace", "ok", "Every default file exists.", NOTHING),
  missing_file: info(
    "workspace",
    "error",
    "A default file (config, outline, history log, a status file, the snapshot or the recovery counters) is missing.",
    "Run `millrace init --force` to write the missing defaults.",
  ),
  status_files: info("workspace", "ok", "Every status file holds one known marker line.", NOTHING),
  status_file_invalid: info(
    "workspace",
    "error",
    "A plane's status file does not hold exactly one marker line that plane can show.",
    "Stop the runtime, then run `millrace clear-stale-state` (or write `### IDLE` into the file).",
  ),
  runtime_snapshot: info("workspace", "ok", "The runtime snapshot parses.", NOTHING),
  snapshot_invalid: info(
    "workspace",
    "error",
    "`state/runtime_snapshot.json` is not valid JSON or does not match its schema.",
    "Stop the runtime, then run `millrace clear-stale-state` (it keeps the broken file as `*.corrupt-<time>`).",
  ),
  recovery_counters: info("workspace", "ok", "The recovery counters parse.", NOTHING),
  recovery_counters_invalid: info(
    "workspace",
    "error",
    "`state/recovery_counters.json` is not valid JSON or does not match its schema.",
    "Stop the runtime, then run `millrace clear-stale-state` (it keeps the broken file as `*.corrupt-<time>`).",
  ),
  temp_litter: info("workspace", "ok", "No temp files from interrupted writes are left.", NOTHING),
  temp_litter_present: info(
    "workspace",
    "warning",
    "A temp file from an interrupted atomic write is left in a runtime folder (one whose writer is still running is not reported).",
    "Nothing is lost: the next runtime start removes it.",
  ),
  workspace_links: info(
    "workspace",
    "ok",
    "No runtime path leads out of the workspace and the watched folders hold only regular files.",
    NOTHING,
  ),
  workspace_link_escapes: info(
    "workspace",
    "error",
    "A runtime-owned path is a symbolic link that leaves the workspace, or dangles; the runtime refuses to write through it.",
    "Delete the link itself (not its target), then run `millrace init --force` to re-create the folder or file inside the workspace.",
  ),
  watched_entry_not_regular: info(
    "workspace",
    "warning",
    "An entry of the mailbox, the ideas inbox or a queue folder is not a regular file (a FIFO, a folder, a link or a device).",
    "Remove it or replace it with a regular file; the runtime never reads it.",
  ),
  // --- assets
  baseline_manifest: info(
    "assets",
    "ok",
    "The baseline manifest is valid and every file it manages exists.",
    NOTHING,
  ),
  baseline_manifest_missing: info(
    "assets",
    "error",
    "`state/baseline_manifest.json`, the record of the deployed baseline, is missing.",
    "Run `millrace init --force` to rebuild it from the installed package.",
  ),
  baseline_manifest_invalid: info(
    "assets",
    "error",
    "The baseline manifest does not parse.",
    "Run `millrace init --force` to rebuild it from the installed package.",
  ),
  baseline_manifest_managed_file_missing: info(
    "assets",
    "error",
    "A stage kind, graph, mode, entrypoint or skill the manifest tracks was deleted.",
    "Run `millrace upgrade --apply` to restore it from the package.",
  ),
  // --- config
  runtime_config: info("config", "ok", "`millrace.toml` is valid.", NOTHING),
  runtime_config_invalid: info(
    "config",
    "error",
    "`millrace.toml` does not parse, has an unknown key, or a value of the wrong type.",
    "Fix the key named in the message, then run `millrace config validate`; docs/configuration.md lists every key.",
  ),
  // --- lock
  runtime_ownership_lock: info("lock", "ok", "No process owns the workspace.", NOTHING),
  runtime_ownership_lock_active: info(
    "lock",
    "warning",
    "A live Millrace process owns the workspace (a daemon is running).",
    "Expected while a daemon runs. Control it with `millrace pause|resume|stop`; queue commands wait for it.",
  ),
  runtime_ownership_lock_stale: info(
    "lock",
    "error",
    "The ownership lock names a process that is no longer running (a crash or kill -9).",
    "The next `millrace run` replaces it; to clear it now, delete the lock file named in the message.",
  ),
  runtime_ownership_lock_invalid: info(
    "lock",
    "error",
    "The ownership lock file does not parse.",
    "Make sure no Millrace process runs in the workspace, then delete the lock file.",
  ),
  // --- plan
  plan_current: info("plan", "ok", "The persisted compiled plan matches the config and assets.", NOTHING),
  plan_missing: info(
    "plan",
    "warning",
    "No compiled plan has been persisted yet.",
    "Run `millrace compile validate`; the runtime also compiles it at its first start.",
  ),
  plan_stale: info(
    "plan",
    "warning",
    "The persisted plan was compiled from a different mode, structural config or asset set.",
    "Run `millrace compile validate` to recompile (the runtime also recompiles at its next start).",
  ),
  plan_compile_error: info(
    "plan",
    "error",
    "The configured mode does not compile: an asset, graph or mode is invalid, or the mode is unknown.",
    "Read the message, fix the asset or `runtime.default_mode`, then run `millrace compile validate`.",
  ),
  plan_compile_warning: info(
    "plan",
    "warning",
    "The mode compiles, with a warning (for example an entrypoint missing a recommended section).",
    "Read the message; `millrace compile show` prints the full diagnostics.",
  ),
  checks_skipped: info(
    "plan",
    "warning",
    "Plan and runner checks were skipped because the config or workspace is broken.",
    "Fix the errors above, then run `millrace doctor` again.",
  ),
  // --- queue
  queue_consistent: info(
    "queue",
    "ok",
    "Every queue document parses and sits in exactly one folder.",
    NOTHING,
  ),
  queue_document_invalid: info(
    "queue",
    "error",
    "A queue document does not parse as a work document.",
    "Fix the file by hand (see docs/work-documents.md) or move it out of the queue; the runtime quarantines it otherwise.",
  ),
  queue_document_id_mismatch: info(
    "queue",
    "error",
    "A queue document's file name does not match the id inside it.",
    "Rename the file to `<id>.md`, or fix the id label inside it.",
  ),
  queue_duplicate_id: info(
    "queue",
    "error",
    "The same work item id is in more than one queue folder.",
    "Keep the copy in the most advanced state and archive the others; the runtime sets extras aside at startup.",
  ),
  queue_multiple_active: info(
    "queue",
    "error",
    "More than one document is active on one plane (a plane runs one item at a time).",
    "Stop the runtime and run `millrace clear-stale-state`: every active item is requeued.",
  ),
  queue_active_without_run: info(
    "queue",
    "warning",
    "A document is in an `active/` folder, but the runtime snapshot has no run for it (left over from a crash).",
    "The next start requeues it; `millrace clear-stale-state` does it now.",
  ),
  queue_run_without_active_document: info(
    "queue",
    "warning",
    "The runtime snapshot says a plane is running an item that is not in an `active/` folder.",
    "The next start reconciles it; `millrace clear-stale-state` resets the snapshot now.",
  ),
  // --- usage governance (config group)
  governance_config: info(
    "config",
    "ok",
    "Usage governance is on and has rules or budgets to apply.",
    NOTHING,
  ),
  governance_no_rules: info(
    "config",
    "warning",
    "`[usage_governance] enabled = true`, but no runtime-token rule, no quota rule and no budget is active: nothing is governed.",
    "Enable `runtime_token_rules` (on by default) or add rules or budgets; docs/governance.md shows examples.",
  ),
  governance_budgets_inactive: info(
    "config",
    "warning",
    "`[usage_governance.budgets]` is set while usage governance is off: no spend is counted, so no item is ever parked.",
    "Set `[usage_governance] enabled = true`, or remove the budgets.",
  ),
  governance_telemetry: info("config", "ok", "Codex's local quota telemetry can be read.", NOTHING),
  governance_telemetry_unavailable: info(
    "config",
    "warning",
    "Subscription-quota rules are on, but no Codex session log with rate limits was found (the reading is local; no network).",
    "Run one Codex stage so it writes a session log, check `$CODEX_HOME`, or turn `subscription_quota_rules` off; with `fail_closed` the runtime stays paused until then.",
  ),
  governance_ledger: info(
    "config",
    "ok",
    "The usage ledger parses and counts every token-bearing result.",
    NOTHING,
  ),
  governance_ledger_invalid_line: info(
    "config",
    "warning",
    "A line of `state/usage_governance_ledger.jsonl` is not a valid ledger entry; it is skipped, never counted.",
    "Leave it: the result it stood for is counted again by the next start's back-fill if its key is missing.",
  ),
  governance_ledger_behind: info(
    "config",
    "warning",
    "Stage results with token usage are on disk but not in the ledger (written while governance was off, or before a crash).",
    "The next `run` start back-fills them; nothing to do unless it persists.",
  ),
  governance_parked_invalid: info(
    "config",
    "error",
    "`state/usage_governance_parked.json` does not parse, so parked items cannot be read.",
    "Stop the runtime and delete the file: every parked item becomes claimable again.",
  ),
  // --- runners
  runner_unknown: info(
    "runners",
    "error",
    "A runner named in the config or the compiled plan is not registered.",
    "Use one of codex_cli, claude_code, pi_rpc, scripted (or register the runner when embedding).",
  ),
  runner_binary_found: info("runners", "ok", "The runner's command resolves to an executable.", NOTHING),
  runner_binary_missing: info(
    "runners",
    "warning",
    "The runner's command is not on PATH (or the configured path does not exist or is not executable). For a runner of the configured mode, `mode_runner_unavailable` follows: `run` refuses until it is installed.",
    "Install the agent CLI, or set `runners.<name>.command` to its absolute path.",
  ),
  mode_runner_unavailable: info(
    "runners",
    "error",
    "A runner the configured mode uses cannot run (executable missing or not runnable, version too old, or no credentials), so `millrace run` refuses this mode. Runners of modes not in use are not checked.",
    "Do what the message says for that runner, or switch `runtime.default_mode` to a mode whose runner is installed.",
  ),
  runner_version: info("runners", "ok", "`<command> --version` answered.", NOTHING),
  runner_version_unknown: info(
    "runners",
    "warning",
    "`<command> --version` failed, printed nothing, or did not answer within the time limit; `run` refuses a mode whose runner does not answer (`mode_runner_unavailable`).",
    "Run the command with `--version` yourself and reinstall it if it fails.",
  ),
  runner_version_skipped: info(
    "runners",
    "ok",
    "The command is a script launched through node, so its version was not probed.",
    NOTHING,
  ),
  runner_credentials_present: info(
    "runners",
    "ok",
    "A credential for the runner was found (the message names where; never its value).",
    NOTHING,
  ),
  runner_credentials_missing: info(
    "runners",
    "warning",
    "No credential for the runner was found in the environment, the runner's env table or its config folder. When the runner says it cannot start without one, `mode_runner_unavailable` follows and `run` refuses.",
    "Set the key named in the message (in the environment or `[runners.<name>.env]`) or log in with the CLI; a keychain login cannot be seen and may still work.",
  ),
  runner_permission_ok: info("runners", "ok", "The runner's permission levels keep a sandbox.", NOTHING),
  runner_permission_maximum: info(
    "runners",
    "warning",
    "A permission level is `maximum`: the agent runs without sandbox or approvals, with your user's rights.",
    'Fine on a disposable machine or container; elsewhere set `permission_default = "basic"` and raise single stages.',
  ),
  runner_permission_root_refused: info(
    "runners",
    "error",
    "Claude Code refuses to skip permissions as root, and `maximum` asks it to.",
    'In a sandbox set `[runners.claude.env] IS_SANDBOX = "1"`; otherwise run as a normal user or lower the level.',
  ),
  runner_permission_unsandboxed: info(
    "runners",
    "warning",
    "Pi has no sandbox or approval system: it runs its tools with your user's rights.",
    'Limit its tools with `runners.pi.args = ["--tools", "read,grep,find,ls,edit,write"]`, or run it in a container.',
  ),
  // --- execution capabilities (runners group): what each runner makes of its stages' grants
  capability_sandbox_ok: info(
    "runners",
    "ok",
    "Every stage's capability grants are enforced by its runner's own sandbox or permission flags.",
    NOTHING,
  ),
  capability_sandbox_advisory: info(
    "runners",
    "warning",
    "Some stages' grants are advisory on their runner: it records them but cannot hold the agent to them (Pi has no sandbox; Claude's Bash can reach the network).",
    "Use a runner that enforces them (codex_cli), run the agent in a container, or set `[execution_capabilities] fail_required_advisory = true` to refuse such stages.",
  ),
  capability_sandbox_unsupported: info(
    "runners",
    "error",
    "A stage requires a capability its runner cannot give, or needs enforcement the runner cannot offer: the pre-dispatch gate will block it.",
    "Move the stage to a runner that can enforce it, drop `requires_enforcement` from the request, or change the request.",
  ),
  capability_denied_by_policy: info(
    "runners",
    "error",
    "A stage requires a capability that `[execution_capabilities]` policy denies: every item reaching that stage will be blocked.",
    "Allow the capability (or make it `approval_required`) in `[execution_capabilities.defaults]`, or remove the request.",
  ),
  capability_full_access: info(
    "runners",
    "warning",
    "A stage is granted every capability a sandbox could withhold: its runner starts the agent without a sandbox (Codex `--dangerously-bypass-approvals-and-sandbox`, Claude `bypassPermissions`).",
    "Fine in a disposable container; elsewhere set one of `[execution_capabilities.defaults]` back to `deny` or `approval_required`.",
  ),
  // --- the host: can the agent's own sandbox run here at all
  runner_sandbox_ok: info(
    "runners",
    "ok",
    "Codex's own sandbox works on this host: its self-check (`codex sandbox -- /bin/true`) passed.",
    NOTHING,
  ),
  runner_sandbox_unavailable: info(
    "runners",
    "error",
    "Codex's own sandbox cannot run on this host (typically a container without the seccomp, Landlock or unprivileged user namespace support it needs): every command a sandboxed Codex stage ran would fail, so the pre-dispatch gate refuses Codex stages.",
    'Run Millrace where the kernel allows the sandbox (a VM, or a container started with the needed features), or, in a disposable container, set `[execution_capabilities] unenforceable = "advisory"` (Codex stages then run without the sandbox, their grants recorded as advisory) or allow every capability in `[execution_capabilities.defaults]`.',
  ),
  runner_sandbox_unknown: info(
    "runners",
    "warning",
    "Whether Codex's own sandbox works here could not be told: the self-check was missing or timed out and the kernel facts do not settle it.",
    "Try `codex sandbox -- /bin/true` by hand; upgrade Codex if it has no `sandbox` subcommand.",
  ),
  capability_grants_off: info(
    "runners",
    "ok",
    "`[execution_capabilities] enabled = false`: stages run with their runner's permission level and grants are advisory.",
    NOTHING,
  ),
  runner_script_ok: info("runners", "ok", "The scripted runner's script file parses.", NOTHING),
  runner_script_invalid: info(
    "runners",
    "error",
    "The scripted runner's script (`runners.scripted.script`) is missing or does not parse.",
    "Point `runners.scripted.script` at a valid script file (see docs/runners.md).",
  ),
  runner_preflight_ok: info("runners", "ok", "A custom runner's own preflight passed.", NOTHING),
  runner_preflight_failed: info(
    "runners",
    "error",
    "A custom runner's own preflight reported a problem.",
    "Read the message: it comes from the runner.",
  ),
  // --- execution lanes (docs/lanes.md)
  lanes_consistent: info(
    "queue",
    "ok",
    "The lanes journal reads and every lane worktree and branch is recorded.",
    NOTHING,
  ),
  lane_journal_invalid: info(
    "queue",
    "error",
    "`state/lane_runs.json` does not read or parse, so the engine refuses to start.",
    "Stop the runtime and run `millrace clear-stale-state`: it requeues the lanes' items and drops the journal.",
  ),
  lane_repository_unusable: info(
    "queue",
    "error",
    "`[execution] lanes` is above 1 (or lane records exist) but the workspace is not a git working tree with a commit.",
    "Run `git init` and commit, or set `[execution] lanes = 1`.",
  ),
  lane_leftover: info(
    "queue",
    "warning",
    "A `millrace/<item-id>` branch or lane worktree that no lane record names (left by a crash, or made by hand).",
    "Inspect it (`git log millrace/<item-id>`); `millrace clear-stale-state` removes leftovers, discarding their work.",
  ),
  lane_kept: info(
    "queue",
    "warning",
    "A lane worktree and branch kept for an item that did not land (blocked, a merge conflict, or requeued).",
    "Resolve the item (its work is on branch `millrace/<item-id>`); the lane is reused when the item runs again.",
  ),
  // --- governed compounding and installed skills
  compounding_integrity: info(
    "compounding",
    "ok",
    "The compounding stores read and agree with each other (`compounding lint` passes).",
    NOTHING,
  ),
  compounding_integrity_warning: info(
    "compounding",
    "warning",
    "`compounding lint` has warnings: workspace procedures or facts wait for an operator's promote or deprecate.",
    "Review them with `millrace compounding procedures` and promote or deprecate each (`--reason` required).",
  ),
  compounding_integrity_failed: info(
    "compounding",
    "error",
    "`compounding lint` failed: a store file does not load (bad JSON, a link, too large, control characters), an item sits in the wrong place, a reference points nowhere, or an index is stale.",
    "Run `millrace compounding lint` for each issue; restore or delete the named file, or run `millrace compounding orient` to rebuild stale indexes.",
  ),
  skills_installed: info("compounding", "ok", "Every installed skill's files are as installed.", NOTHING),
  skills_modified: info(
    "compounding",
    "warning",
    "An installed skill's folder is gone, or one of its files changed since it was installed.",
    "Install the skill again with `millrace skills install <source> --replace`, or remove it with `millrace skills remove <name>`.",
  ),
  skills_manifest_invalid: info(
    "compounding",
    "error",
    "`state/installed_skills.json` does not read or parse, so installed skills cannot be checked (and `upgrade` refuses).",
    "Restore the file from version control, or remove the skills it lists and delete it.",
  ),
} as const satisfies Record<string, DoctorCodeInfo>;

export type DoctorCheckCode = keyof typeof DOCTOR_CHECK_CODES;

/** The group of a code; codes added to @millrace/workspace later fall back to `workspace`. */
export function doctorGroupOf(code: string): DoctorGroup {
  const known = (DOCTOR_CHECK_CODES as Record<string, DoctorCodeInfo>)[code];
  return known?.group ?? "workspace";
}
