// The harness of the runner contract tests, named export by export (no `export *`, issue 10).
export {
  CLI_CACHE_DIR,
  CLI_PINS,
  type CliId,
  type CliPin,
  cliCommand,
  cliPackageDir,
  contractSkipReason,
  installedVersion,
  missingCliMessage,
  PACKAGE_ROOT,
  REGISTRY_UNREACHABLE_FILE,
} from "./clis.js";
export {
  DEFAULT_USAGE,
  type FakeModelApi,
  type FakeModelReply,
  type FakeModelScript,
  type FakeModelServer,
  type FakeModelUsage,
  type RecordedRequest,
  startFakeModelServer,
} from "./fake-model-server.js";
export { type PiRpcTranscript, runPiRpcPrompt } from "./pi-rpc-session.js";
export {
  CLAUDE_MODEL,
  CODEX_MODEL,
  type ContractSandbox,
  claudeSetup,
  codexSetup,
  createSandbox,
  FAKE_KEY,
  hermeticBaseEnv,
  PI_MODEL,
  PI_PROVIDER,
  piSetup,
} from "./sandbox.js";
export {
  type CliRun,
  type CliRunOptions,
  describeRun,
  type GroupWatch,
  killGroup,
  parseJsonLines,
  runCli,
  spawnGroup,
  watchGroup,
} from "./spawn-cli.js";
