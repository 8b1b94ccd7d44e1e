import path from "node:path";
import type { DocumentKind, Plane } from "@millrace/contracts";

export const RUNTIME_DIR_NAME = "millrace-agents";

/** Queue state folder names per document kind: claimable, active, success, blocked. */
export interface QueueStateFolders {
  readonly queue: string;
  readonly active: string;
  readonly done: string;
  readonly blocked: string;
}

export type QueueState = keyof QueueStateFolders;
export const QUEUE_STATES: readonly QueueState[] = ["queue", "active", "done", "blocked"];

/** Asset families deployed from the package into the runtime root and tracked by the manifest. */
export const ASSET_FAMILIES = [
  "entrypoints",
  "skills",
  "modes",
  "loops",
  "graphs",
  "registry",
  "scripted",
] as const;
export type AssetFamily = (typeof ASSET_FAMILIES)[number];

/**
 * The path model of a workspace. Every path is absolute. `root` is the repository being worked on;
 * everything Millrace manages lives under `runtimeRoot` (`<root>/millrace-agents`).
 */
export interface WorkspacePaths {
  readonly root: string;
  readonly runtimeRoot: string;
  readonly ideasInbox: string;
  readonly runtimeErrorCatalog: string;
  readonly configFile: string;
  readonly outline: string;
  readonly historylog: string;
  readonly entrypoints: string;
  readonly skills: string;
  readonly skillsIndex: string;
  readonly modes: string;
  readonly graphs: string;
  readonly loops: string;
  readonly registry: string;
  readonly stageKinds: string;
  readonly queues: Readonly<Record<DocumentKind, QueueStateFolders>>;
  readonly learning: string;
  readonly researchPackets: string;
  readonly skillCandidates: string;
  readonly updateCandidates: string;
  readonly learningEvents: string;
  readonly arbiter: string;
  readonly arbiterIdeaContracts: string;
  readonly arbiterRootSpecContracts: string;
  readonly arbiterTargets: string;
  readonly arbiterRubrics: string;
  readonly arbiterVerdicts: string;
  readonly arbiterReports: string;
  readonly arbiterDiagnostics: string;
  readonly recon: string;
  readonly reconPackets: string;
  readonly approvals: string;
  readonly runs: string;
  readonly logs: string;
  readonly runtimeEvents: string;
  readonly state: string;
  readonly snapshot: string;
  readonly recoveryCounters: string;
  readonly compiledPlan: string;
  readonly compileDiagnostics: string;
  readonly baselineManifest: string;
  readonly runtimeErrorContext: string;
  readonly lockFile: string;
  readonly usageGovernanceState: string;
  readonly usageGovernanceLedger: string;
  /** Skills installed on top of the baseline (`skills install`); upgrade leaves their folders alone. */
  readonly installedSkills: string;
  readonly mailbox: string;
  readonly mailboxIncoming: string;
  readonly mailboxProcessed: string;
  readonly mailboxFailed: string;
  /** Where hostile or unreadable entries of watched folders are set aside, each with a reason file. */
  readonly quarantine: string;
  readonly statusFiles: Readonly<Record<Plane, string>>;
}

function stateFolders(base: string, claimable = "queue", success = "done"): QueueStateFolders {
  return {
    queue: path.join(base, claimable),
    active: path.join(base, "active"),
    done: path.join(base, success),
    blocked: path.join(base, "blocked"),
  };
}

export function workspacePaths(workspaceRoot: string): WorkspacePaths {
  const root = path.resolve(workspaceRoot);
  const rt = path.join(root, RUNTIME_DIR_NAME);
  const state = path.join(rt, "state");
  const mailbox = path.join(state, "mailbox");
  const arbiter = path.join(rt, "arbiter");
  const learning = path.join(rt, "learning");
  return {
    root,
    runtimeRoot: rt,
    ideasInbox: path.join(root, "ideas", "inbox"),
    runtimeErrorCatalog: path.join(root, "docs", "runtime", "millrace-runtime-error-codes.md"),
    configFile: path.join(rt, "millrace.toml"),
    outline: path.join(rt, "outline.md"),
    historylog: path.join(rt, "historylog.md"),
    entrypoints: path.join(rt, "entrypoints"),
    skills: path.join(rt, "skills"),
    skillsIndex: path.join(rt, "skills", "skills_index.md"),
    modes: path.join(rt, "modes"),
    graphs: path.join(rt, "graphs"),
    loops: path.join(rt, "loops"),
    registry: path.join(rt, "registry"),
    stageKinds: path.join(rt, "registry", "stage_kinds"),
    queues: {
      task: stateFolders(path.join(rt, "tasks")),
      spec: stateFolders(path.join(rt, "specs")),
      incident: stateFolders(path.join(rt, "incidents"), "incoming", "resolved"),
      learning_request: stateFolders(path.join(learning, "requests")),
      probe: stateFolders(path.join(rt, "probes")),
      blueprint_draft: stateFolders(path.join(rt, "blueprints", "drafts")),
    },
    learning,
    researchPackets: path.join(learning, "research-packets"),
    skillCandidates: path.join(learning, "skill-candidates"),
    updateCandidates: path.join(learning, "update-candidates"),
    learningEvents: path.join(learning, "events.jsonl"),
    arbiter,
    arbiterIdeaContracts: path.join(arbiter, "contracts", "ideas"),
    arbiterRootSpecContracts: path.join(arbiter, "contracts", "root-specs"),
    arbiterTargets: path.join(arbiter, "targets"),
    arbiterRubrics: path.join(arbiter, "rubrics"),
    arbiterVerdicts: path.join(arbiter, "verdicts"),
    arbiterReports: path.join(arbiter, "reports"),
    arbiterDiagnostics: path.join(arbiter, "diagnostics"),
    recon: path.join(rt, "recon"),
    reconPackets: path.join(rt, "recon", "packets"),
    approvals: path.join(rt, "approvals"),
    runs: path.join(rt, "runs"),
    logs: path.join(rt, "logs"),
    runtimeEvents: path.join(rt, "logs", "runtime_events.jsonl"),
    state,
    snapshot: path.join(state, "runtime_snapshot.json"),
    recoveryCounters: path.join(state, "recovery_counters.json"),
    compiledPlan: path.join(state, "compiled_plan.json"),
    compileDiagnostics: path.join(state, "compile_diagnostics.json"),
    baselineManifest: path.join(state, "baseline_manifest.json"),
    runtimeErrorContext: path.join(state, "runtime_error_context.json"),
    lockFile: path.join(state, "runtime_daemon.lock.json"),
    usageGovernanceState: path.join(state, "usage_governance_state.json"),
    usageGovernanceLedger: path.join(state, "usage_governance_ledger.jsonl"),
    installedSkills: path.join(state, "installed_skills.json"),
    mailbox,
    mailboxIncoming: path.join(mailbox, "incoming"),
    mailboxProcessed: path.join(mailbox, "processed"),
    mailboxFailed: path.join(mailbox, "failed"),
    quarantine: path.join(rt, "quarantine"),
    statusFiles: {
      execution: path.join(state, "execution_status.md"),
      planning: path.join(state, "planning_status.md"),
      learning: path.join(state, "learning_status.md"),
    },
  };
}

/** Directories `init` creates (per-run folders, diagnostics, update candidates and the ideas inbox are made on demand). */
export function initDirectories(paths: WorkspacePaths): string[] {
  const dirs = [
    paths.runtimeRoot,
    paths.entrypoints,
    paths.skills,
    paths.modes,
    paths.graphs,
    paths.loops,
    paths.stageKinds,
    paths.learning,
    paths.researchPackets,
    paths.skillCandidates,
    paths.arbiterIdeaContracts,
    paths.arbiterRootSpecContracts,
    paths.arbiterTargets,
    paths.arbiterRubrics,
    paths.arbiterVerdicts,
    paths.arbiterReports,
    paths.reconPackets,
    paths.runs,
    paths.logs,
    paths.state,
    paths.mailboxIncoming,
    paths.mailboxProcessed,
    paths.mailboxFailed,
  ];
  for (const plane of ["execution", "planning", "learning"] as const) {
    dirs.push(
      path.join(paths.entrypoints, plane),
      path.join(paths.graphs, plane),
      path.join(paths.loops, plane),
    );
    dirs.push(path.join(paths.stageKinds, plane));
  }
  for (const folders of Object.values(paths.queues)) dirs.push(...Object.values(folders));
  return dirs;
}

/** Workspace-relative posix form of an absolute path inside the workspace. */
export function toWorkspaceRelative(paths: WorkspacePaths, absolute: string): string {
  return path.relative(paths.root, absolute).split(path.sep).join("/");
}

/**
 * Resolves a relative path against a base and refuses anything that would leave it
 * (absolute paths, `..` segments, NUL bytes).
 */
export function resolveInside(base: string, relative: string): string | undefined {
  if (relative.includes("\0") || path.isAbsolute(relative)) return undefined;
  const resolved = path.resolve(base, relative);
  const rel = path.relative(base, resolved);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  return resolved;
}
