// The crash harness's victim: one daemon life over the workspace named on the command line.
// It imports the built engine (the package's own export), runs until there is nothing left to do,
// and reports each monitor event on stdout so the parent knows how far this life got.
import { createEngine } from "@millrace/scheduler";

const workspace = process.argv[2];
if (!workspace) {
  process.stderr.write("usage: daemon-child.mjs <workspace>\n");
  process.exit(2);
}

const engine = createEngine({
  workspace,
  monitor: (event) => {
    process.stdout.write(`${event.type}${"stage" in event ? ` ${event.stage}` : ""}\n`);
  },
});
const report = await engine.runDaemon({ untilIdle: true });
await engine.close();
process.stdout.write(`DONE ${JSON.stringify(report)}\n`);
