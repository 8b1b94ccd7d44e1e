import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FAKE_CLAUDE_PATH, FAKE_CODEX_PATH, FAKE_PI_PATH } from "@millrace/runners/testing";
import { tempDir } from "./helpers.js";

/**
 * A PATH folder where `codex`, `claude` and `pi` are the fake agent CLIs (they speak the real
 * protocols and obey the prompt's legal markers); `--version` answers like the real ones.
 */
export function fakeAgentBin(): string {
  const dir = tempDir("millrace-fake-agents-");
  const shims: Array<[string, string]> = [
    ["codex", FAKE_CODEX_PATH],
    ["claude", FAKE_CLAUDE_PATH],
    ["pi", FAKE_PI_PATH],
  ];
  for (const [name, script] of shims) {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "${name} 9.9.9"; exit 0; fi\nexec "${process.execPath}" "${script}" "$@"\n`,
    );
    chmodSync(file, 0o755);
  }
  return dir;
}

/** The environment a CLI run needs to reach the fakes: PATH first, and the keys they ask for. */
export function fakeAgentEnv(bin: string): NodeJS.ProcessEnv {
  return {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    CODEX_API_KEY: "sk-fake-codex-key",
    ANTHROPIC_API_KEY: "sk-ant-fake-key",
  };
}
