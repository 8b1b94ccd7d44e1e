import type { ControlResultOutput } from "@millrace/contracts";
import { keyValueLines } from "../command.js";
import type { CommandContext } from "../io.js";

/** The `--issuer` option every mutating command takes (`--actor` is its older name). */
export const issuerOption = {
  type: "string" as const,
  alias: "actor",
  describe: "Who is acting, recorded with the command, its event and the audit logs (default: operator)",
};

/** Text lines of a control result: the fields that say something (null details are left out). */
export function controlLines(result: ControlResultOutput): string {
  const { enqueued, intervention, ...rest } = result;
  return keyValueLines({
    ...rest,
    ...(enqueued
      ? { enqueued: `${enqueued.kind} ${enqueued.id ?? ""} ${enqueued.path}`.replace("  ", " ") }
      : {}),
    ...(intervention ? { moved: `${intervention.source_state} -> ${intervention.destination_state}` } : {}),
  });
}

export function emitControl(ctx: CommandContext, result: ControlResultOutput): number {
  ctx.emit(() => controlLines(result), result);
  return 0;
}
