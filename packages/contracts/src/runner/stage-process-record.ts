import { z } from "zod";
import { lazySchema } from "../lazy-schema.js";

const Pid = lazySchema(() => z.number().int().positive());
/** `/proc/<pid>/stat` field 22 (clock ticks since boot), kept as text: it tells a pid from its reuse. */
const StartTime = lazySchema(() => z.string().regex(/^\d{1,20}$/));

/**
 * `state/stage_processes/<tag>.json`: what one stage process is (about to be) running, written
 * durably before the spawn and completed after it, removed once every process of the stage is gone.
 * A record whose daemon is gone at startup names a stage whose processes must be killed.
 */
export const StageProcessRecordSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("stage_process"),
    /** The stage's `MILLRACE_STAGE_PROCESS_TAG` value (24 hex digits), also the file name. */
    tag: z.string().regex(/^[0-9a-f]{24}$/),
    run_dir: z.string().min(1),
    daemon_pid: Pid,
    daemon_start_time: StartTime,
    /** Null until the spawn returned (or when it failed). */
    child_pid: Pid.nullable(),
    child_pgid: Pid.nullable(),
    child_start_time: StartTime.nullable(),
    /** Absolute path of the stage's cgroup v2 folder, or null when the stage has none. */
    cgroup_path: z.string().min(1).nullable(),
    /** Whether the agent was started with a parent-death signal (setpriv --pdeathsig). */
    parent_death_signal: z.boolean(),
    recorded_at: z.string(),
  }),
);
export type StageProcessRecord = z.infer<typeof StageProcessRecordSchema>;
