// `docs/troubleshooting.md` from the doctor check codes, the error codes and the prose below.
import { DOCTOR_CHECK_CODES, ERROR_CODES } from "./built.mjs";
import { cell } from "./markdown.mjs";

const GROUP_TITLES = {
  workspace: "Workspace folders and files",
  assets: "Managed baseline (assets)",
  config: "Configuration",
  lock: "Ownership lock",
  plan: "Compiled plan",
  queue: "Queue consistency",
  runners: "Runners",
  compounding: "Governed compounding and installed skills",
};

const EXIT_TITLES = {
  1: "Exit 1: the command failed",
  2: "Exit 2: the command line is wrong",
  3: "Exit 3: the workspace is not initialized, or its state refuses the command",
};

const COMMON_SITUATIONS = [
  "## Start here",
  "",
  "1. Run `millrace doctor`. It checks everything below that can be checked without running a stage",
  "   and prints one line per problem with a hint; `millrace doctor --json` gives the same checks with",
  "   their codes. Fix errors first: they stop the runtime or make stages fail.",
  "2. Run `millrace status`. `process_running`, `paused` with `pause_sources`, the status markers and",
  "   `current_failure_class` tell you whether the runtime is moving and, if not, why.",
  "3. When a stage failed, `millrace runs ls`, then `millrace runs show <run_id>` and",
  "   `millrace runs tail <run_id>` show what the agent printed and which failure class was recorded",
  "   ([runners.md](runners.md) explains the failure classes).",
  "",
  "## Common situations",
  "",
  "- **Nothing happens after `add-task`.** Is a runtime running (`status` → `process_running`)? Start",
  "  one with `millrace run daemon`. Is it paused (`paused: true`)? `pause_sources` says by whom:",
  "  `operator` clears with `millrace resume`; usage governance clears by itself when usage drops;",
  "  `runner_unavailable` clears by itself when the runner can run again (see below).",
  "- **`run` refuses with `cannot run mode X: runner ...`** (exit 1, `runner_preflight_failed`).",
  "  Before the first stage, `run once` and `run daemon` check every runner the mode uses: the",
  "  executable is on the PATH (or at `runners.<name>.command`), `<command> --version` answers and is",
  "  not older than the version Millrace drives, and a credential is present. Nothing is contacted",
  "  over the network and nothing is started. The message names the runner, what is missing and the",
  "  fix; `doctor` shows the same as `mode_runner_unavailable`. Runners only other modes use are not",
  "  checked.",
  "- **`pause_sources: runner_unavailable` while the daemon runs.** A stage's runner could not",
  "  start (its executable was removed: failure class `runner_unavailable`) or authenticate (its",
  "  credential disappeared or the provider refused it: `runner_auth_failure`). The stage is held,",
  "  not routed: no troubleshooter, mechanic or consultant runs for it and no recovery counter moves.",
  "  `status` shows `runner_pause` (runner, held stage) and `runner_pause_reason` (what is missing",
  "  and the fix). The daemon checks the runner again every `runtime.idle_sleep_seconds` (at least",
  "  2 s; a PATH lookup and a file check, never the network) and resumes by itself once it passes:",
  "  the held stage then runs again. When the provider refused a credential the check cannot see",
  "  as wrong, the pause waits until the credential changes (a new `codex login`, an edited",
  "  `[runners.<name>.env]`); a key set in the daemon's environment needs a restart, and a restart",
  "  whose check passes lifts the pause. `millrace resume` does not lift it: it answers `applied: false` and names the runner and why.",
  "- **`runner_binary_missing` although the CLI works in your shell.** The daemon's PATH differs",
  "  (tmux, a service manager): set `runners.<name>.command` to the absolute path.",
  "- **A crash or `kill -9` left things half done.** Start the runtime again: startup requeues or",
  "  resumes the interrupted stage. `doctor` may show `runtime_ownership_lock_stale` and",
  "  `queue_active_without_run` until then; `millrace clear-stale-state` resets at once.",
  "- **The plan is stale after you edited a mode, graph or `[stages]`.** Run `millrace compile",
  "  validate` to see the compile diagnostics; the runtime recompiles at its next start or safe point.",
  "- **`compiled_plan_currentness: last_known_good` and `plan: last known good (reload failed: ...)`.**",
  "  A running daemon tried to reload its config (or the assets) and the result did not load or",
  "  compile. It keeps working on the plan it had; the reason is the compile or config error. Fix",
  "  the file, then `millrace reload-config` (or save the config again while watchers are on).",
  "- **A task keeps coming back blocked.** The recovery budgets in `[recovery]` were used up; read",
  "  the incident or the troubleshoot report named by `runs show`, fix the cause, then requeue with",
  "  the queue commands.",
  "",
];

/** `docs/troubleshooting.md`: where to start, common situations, every doctor check code and every error code. */
export function renderTroubleshooting() {
  const out = [
    "# Troubleshooting",
    "",
    "<!-- Generated by `pnpm docs:generate` from DOCTOR_CHECK_CODES (packages/scheduler/src/doctor/codes.ts), ERROR_CODES (packages/contracts/src/errors.ts) and the prose in scripts/docs/troubleshooting.mjs. Do not edit. -->",
    "",
    ...COMMON_SITUATIONS,
    "## Doctor check codes",
    "",
    "`millrace doctor --json` reports every check with a `code`, a `group`, a `status` (`ok`, `warning`,",
    "`error`), the `path` it concerns, a `message` and a `hint`. The codes are permanent. `ok` codes appear",
    "only in the JSON output. Doctor exits 1 when any check is an error.",
    "",
  ];
  const entries = Object.entries(DOCTOR_CHECK_CODES);
  for (const [group, title] of Object.entries(GROUP_TITLES)) {
    const rows = entries.filter(([, entry]) => entry.group === group);
    if (rows.length === 0) continue;
    out.push(`### ${title}`, "", "| Code | Status | What it means | What to do |", "|---|---|---|---|");
    for (const [name, entry] of rows) {
      out.push(`| \`${name}\` | ${entry.status} | ${cell(entry.meaning)} | ${cell(entry.action)} |`);
    }
    out.push("");
  }
  out.push(
    "## Error codes",
    "",
    "A command that fails prints `error: <message>` and `hint: <what to do>` on stderr (with `--json`, a",
    '`{"error": {code, message, hint, details}}` object on stdout) and exits with the status of its code.',
    "The same list, sorted by code, is in [errors.md](errors.md).",
    "",
  );
  const errors = Object.entries(ERROR_CODES);
  for (const exit of [1, 2, 3]) {
    out.push(`### ${EXIT_TITLES[exit]}`, "", "| Code | What happened | What to do |", "|---|---|---|");
    for (const [name, info] of errors
      .filter(([, info]) => info.exit === exit)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out.push(`| \`${name}\` | ${cell(info.title)} | ${cell(info.hint)} |`);
    }
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
