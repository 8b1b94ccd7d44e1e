import type { Plane, RuntimeSnapshot } from "@millrace/contracts";
import type { PromptContextBlock } from "@millrace/runners";

/**
 * The engine's ports: the seams other layers plug into without the engine importing them. Usage
 * governance answers the between-stages port, knowledge compounding answers the prompt-context
 * port, and an external supervisor drives the engine only through `controlWorkspace` (the mailbox)
 * and observes it through monitor events and the read models. Every port is optional; an engine
 * without hooks behaves as if each port said "nothing to add".
 */

/** Where in the tick the between-stages port is asked. */
export type StageBoundary = "before_stage" | "after_stage";

/** What the between-stages port sees: the runtime snapshot at the boundary. */
export interface BetweenStagesInfo {
  boundary: StageBoundary;
  /** The snapshot as it stands at the boundary (read it; changing it has no effect). */
  snapshot: RuntimeSnapshot;
  /** The result file of the stage just applied (`after_stage`), otherwise null. */
  stageResultPath: string | null;
}

/**
 * A governance answer. `{ pause: true, reason }` adds the `usage_governance` pause source;
 * `{ pause: false }` removes it. No answer (`undefined`) leaves the pause sources as they are.
 */
export interface GovernanceVerdict {
  pause: boolean;
  reason?: string;
}

/**
 * The governance port: asked before a stage is dispatched and after each stage result is applied.
 * The engine awaits it, so a slow answer delays the tick (never a running stage).
 */
export type BetweenStagesPort = (
  info: BetweenStagesInfo,
) => Promise<GovernanceVerdict | undefined> | GovernanceVerdict | undefined;

/** The stage a prompt is being built for. */
export interface PromptContextRequest {
  plane: Plane;
  stage: string;
  nodeId: string;
  workItemId: string | null;
  runId: string;
  requestId: string;
}

/**
 * The prompt-context port: extra context blocks for a stage's prompt, asked once per dispatch. The
 * engine's own governed-compounding selection (promoted procedures and facts, per
 * `[compounding] profile`) comes first; the port's blocks are appended as they are.
 */
export type PromptContextPort = (
  request: PromptContextRequest,
) => readonly PromptContextBlock[] | Promise<readonly PromptContextBlock[]>;

/** The ports an embedder (or a higher layer) fills in `createEngine({ hooks })`. */
export interface EngineHooks {
  /** Usage governance between stages. */
  betweenStages?: BetweenStagesPort;
  /** Knowledge compounding in prompts. */
  promptContext?: PromptContextPort;
}
