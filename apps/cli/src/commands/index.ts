import type { MillraceCommand } from "../command.js";
import { approvalsCommand } from "./approvals.js";
import { compileCommand } from "./compile.js";
import { completionCommand } from "./completion.js";
import { configCommand } from "./config.js";
import { controlCommands } from "./control.js";
import { demoCommand } from "./demo.js";
import { doctorCommand } from "./doctor.js";
import { initCommand } from "./init.js";
import { modesCommand } from "./modes.js";
import { addIdeaCommand, addSpecCommand, addTaskCommand, queueCommand } from "./queue.js";
import { runCommand } from "./run.js";
import { runsCommand } from "./runs.js";
import { serveCommand } from "./serve.js";
import { statusCommand } from "./status.js";
import { upgradeCommand } from "./upgrade.js";
import { usageCommand } from "./usage.js";
import { versionCommand } from "./version.js";

/**
 * Every command the CLI registers. Each group lives in its own file under commands/ and only calls
 * into a package and formats the answer.
 */
// biome-ignore lint/suspicious/noExplicitAny: each command narrows its own argument type.
export const commandGroups: MillraceCommand<any>[][] = [
  [versionCommand],
  [initCommand, upgradeCommand, configCommand, doctorCommand],
  [compileCommand, modesCommand],
  [queueCommand, addTaskCommand, addSpecCommand, addIdeaCommand],
  [statusCommand, runsCommand, usageCommand, approvalsCommand, serveCommand],
  [runCommand, ...controlCommands, demoCommand],
  [completionCommand],
];
