import { z } from "zod";
import { lazySchema } from "../lazy-schema.js";

/** What a runner is about to launch, recorded before launch. */
export const InvocationRecordSchema = lazySchema(() =>
  z
    .object({
      /** The argument vector (never a shell string); empty for in-process runners. */
      command: z.array(z.string()).readonly(),
      /** Names of the environment variables the runner set or overrode; never their values. */
      envVarNames: z.array(z.string()).readonly().optional(),
      cwd: z.string().optional(),
    })
    .readonly(),
);
export type InvocationRecord = z.infer<typeof InvocationRecordSchema>;
