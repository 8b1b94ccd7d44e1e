import {
  type AppliedGrant,
  type CapabilityEnforcement,
  type CapabilityEnforcementRecord,
  type CapabilityGrant,
  formatTimestamp,
  type MillraceConfig,
  type RunnerAdapter,
  type RunnerEnvironment,
  type StageRunRequest,
} from "@millrace/contracts";
import { advisoryEnforcement } from "./grant-sets.js";

/** How a runner would honour these grants: its own evaluator, else every grant advisory. */
export function capabilityEnforcementOf(
  adapter: RunnerAdapter,
  grants: readonly CapabilityGrant[],
  config: MillraceConfig,
  env?: RunnerEnvironment,
): CapabilityEnforcement {
  return adapter.enforceCapabilities?.(grants, config, env) ?? advisoryEnforcement(adapter.name, grants);
}

/** Each grant with how it was held: enforced, advisory (recorded, not enforced), or not granted. */
export function appliedGrants(
  grants: readonly CapabilityGrant[],
  enforcement: CapabilityEnforcement,
): AppliedGrant[] {
  return grants.map((grant) => {
    const support = enforcement.grants.find((s) => s.grant_id === grant.grant_id);
    const base = {
      grant_id: grant.grant_id,
      capability_id: grant.capability_id,
      decision_state: grant.decision_state,
      required: grant.required,
    };
    if (grant.decision_state !== "granted" || !support)
      return { ...base, enforcement: "not_granted", reason: grant.decision_reason };
    const enforced = support.support === "enforced" ? "enforced" : "advisory";
    // A grant that needed enforcement runs advisory only when the operator chose so
    // (`unenforceable = "advisory"`); its decision reason says that, and the record repeats it.
    const reason =
      enforced === "advisory" && grant.requires_enforcement
        ? `${support.reason}; ${grant.decision_reason}`
        : support.reason;
    return { ...base, enforcement: enforced, reason };
  });
}

/** The `capability_enforcement.<rid>.json` record of one stage. */
export function capabilityEnforcementRecord(
  request: StageRunRequest,
  runnerName: string,
  grants: readonly CapabilityGrant[],
  enforcement: CapabilityEnforcement,
  now: Date,
): CapabilityEnforcementRecord {
  return {
    schema_version: "1.0",
    kind: "capability_enforcement",
    request_id: request.request_id,
    run_id: request.run_id,
    stage: request.stage,
    node_id: request.node_id,
    runner_name: runnerName,
    flags: [...enforcement.flags],
    summary: enforcement.summary,
    grants: appliedGrants(grants, enforcement),
    emitted_at: formatTimestamp(now),
  };
}

/** One note per grant that is not enforced, so the stage result says so ("advisory"). */
export function advisoryNotes(record: CapabilityEnforcementRecord): string[] {
  return record.grants
    .filter((grant) => grant.enforcement === "advisory")
    .map((grant) => `capability ${grant.capability_id} (${grant.grant_id}) advisory: ${grant.reason}`);
}
