import {
  type DocumentKind,
  MillraceError,
  type Plane,
  type RecoveryCounters,
  type RuntimeEventData,
  type RuntimeEventName,
  type RuntimeSnapshot,
} from "@millrace/contracts";
import type { InterventionResult, QueueStore } from "@millrace/queue-store";
import type { WorkspacePaths } from "@millrace/workspace";
import type { EngineGovernancePort } from "../governance/governance-port.js";
import type { LaneControl } from "../lanes/lane-retry.js";
import type { MonitorDetailsArg } from "../monitor/monitor-view.js";
import { type PendingEvent, recordEvent } from "../state/event-journal.js";

/** What a control handler may touch: the same state the engine owns, whoever applies it. */
export interface ControlState {
  readonly paths: WorkspacePaths;
  snapshot: RuntimeSnapshot;
  counters: RecoveryCounters;
  readonly queue: QueueStore;
  readonly clock: () => Date;
  readonly pendingEvents: PendingEvent[];
  /** Budget releases: the engine's governance (mailbox), or one opened for the command (direct). */
  governance?: Pick<EngineGovernancePort, "release">;
}

export interface ControlOutcome {
  applied: boolean;
  detail: string;
  /** A path the command produced (an enqueued document, an idea file). */
  artifactPath?: string;
  /** What a queue intervention moved (queue interventions only). */
  intervention?: InterventionResult;
  /** What an add command enqueued (add_task, add_spec, add_probe, add_idea). */
  enqueued?: { kind: DocumentKind | "idea"; id: string | null; path: string };
}

export interface HandlerEnvironment {
  /** `mailbox` when a running daemon applies the command, `direct` otherwise. */
  mode: "mailbox" | "direct";
  issuer: string;
  /** Daemon only: asks for a config reload at the next safe boundary. */
  requestReload?: () => void;
  /** Planes with a stage running right now (daemon); commands that touch them wait. */
  busyPlanes?: readonly Plane[];
  /** Daemon only: the engine's execution lanes (without it, the lanes journal on disk is used). */
  lanes?: LaneControl;
}

/** Thrown by a handler that must wait for a safe boundary (a stage on its plane is running). */
export class DeferCommand extends Error {
  override name = "DeferCommand";
}

/** Records a runtime event of a control command (logged when the command's step commits). */
export function event<N extends RuntimeEventName>(
  state: ControlState,
  eventType: N,
  data: RuntimeEventData<N>,
): void {
  recordEvent(state, eventType, data, ...([] as unknown as MonitorDetailsArg<N>));
}

export function requireString(payload: Record<string, unknown>, key: string): string {
  const value = payload[key];
  if (typeof value !== "string" || value.trim() === "") {
    throw new MillraceError("mailbox_command_invalid", `payload.${key} must be a non-empty string`);
  }
  return value;
}
