import { z } from "zod";
import { lazySchema } from "../lazy-schema.js";

/** Where a runner writes the per-request artifacts (absolute paths inside the run folder). */
export const RunArtifactPathsSchema = lazySchema(() =>
  z
    .object({
      runDir: z.string(),
      prompt: z.string(),
      invocation: z.string(),
      completion: z.string(),
      stdout: z.string(),
      stderr: z.string(),
      events: z.string(),
      lastMessage: z.string(),
      /** Where the stage itself may write its structured result (`millrace_result.json`). */
      structuredResult: z.string(),
    })
    .readonly(),
);
export type RunArtifactPaths = z.infer<typeof RunArtifactPathsSchema>;
