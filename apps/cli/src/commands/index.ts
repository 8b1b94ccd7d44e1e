import type { MillraceCommand } from "../command.js";
import { approvalsCommand } from "./approvals.js";
import { healthCommand, runProvenanceCommand } from "./compat.js";
import { compileCommand } from "./compile.js";
import { completionCommand } from "./completion.js";
import { compoundingCommand } from "./compounding.js";
import { configCommand } from "./config.js";
import { controlCommands } from "./control.js";
import { demoCommand } from "./demo.js";
import { doctorCommand } from "./doctor.js";
import { eventsCommand, logsCommand } from "./events.js";
import { incidentCommand } from "./incident.js";
import { initCommand } from "./init.js";
import { interviewCommand } from "./interview.js";
import { modelAliasesCommand } from "./model-aliases.js";
import { modesCommand } from "./modes.js";
import { publishCommand } from "./publish.js";
import { addIdeaCommand, addSpecCommand, addTaskCommand, queueCommand } from "./queue.js";
import { runCommand } from "./run.js";
import { runsCommand } from "./runs.js";
import { recoveryCommand, sentinelCommand } from "./sentinel.js";
import { serveCommand } from "./serve.js";
import { skillsCommand } from "./skills.js";
import { statusCommand } from "./status.js";
import { supervisorCommand } from "./supervisor.js";
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
  [compileCommand, modesCommand, modelAliasesCommand],
  [queueCommand, addTaskCommand, addSpecCommand, addIdeaCommand, incidentCommand],
  [
    statusCommand,
    runsCommand,
    eventsCommand,
    usageCommand,
    approvalsCommand,
    interviewCommand,
    supervisorCommand,
    serveCommand,
  ],
  [sentinelCommand, recoveryCommand],
  [compoundingCommand, skillsCommand],
  [runCommand, ...controlCommands, demoCommand],
  [publishCommand],
  [completionCommand],
  [healthCommand, runProvenanceCommand, logsCommand],
];
