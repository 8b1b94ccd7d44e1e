// One daemon life for the ledger kill test: the scripted runner, wrapped to report token usage (a
// fixed function of the request id, so the test can tell stages apart), under usage governance.
import { createHash } from "node:crypto";
import { createScriptedAdapter } from "@millrace/runners";
import { createEngine } from "@millrace/scheduler";

const workspace = process.argv[2];
if (!workspace) {
  process.stderr.write("usage: ledger-child.mjs <workspace>\n");
  process.exit(2);
}

/** 1000..1999 tokens, from the request id. */
function tokensFor(requestId) {
  return 1000 + (createHash("sha256").update(requestId).digest().readUInt16BE(0) % 1000);
}

const scripted = createScriptedAdapter();
const adapter = {
  ...scripted,
  async run(request, ctx) {
    const raw = await scripted.run(request, ctx);
    const total = tokensFor(request.request_id);
    const input = Math.floor(total / 2);
    return {
      ...raw,
      token_usage: {
        input_tokens: input,
        cached_input_tokens: 0,
        output_tokens: total - input,
        thinking_tokens: 0,
        total_tokens: total,
      },
    };
  },
};

const engine = createEngine({
  workspace,
  runners: [adapter],
  monitor: (event) => {
    process.stdout.write(`${event.type}${"stage" in event ? ` ${event.stage}` : ""}\n`);
  },
});
const report = await engine.runDaemon({ untilIdle: true });
await engine.close();
process.stdout.write(`DONE ${JSON.stringify(report)}\n`);
