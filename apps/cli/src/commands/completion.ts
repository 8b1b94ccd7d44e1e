import path from "node:path";
import type { MillraceCommand } from "../command.js";

export const COMPLETION_SHELLS = ["bash", "zsh"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/*
 * Both scripts ask the CLI itself for candidates (`millrace --get-yargs-completions <words…>`,
 * answered by yargs from the registered commands and options), so completion follows the installed
 * version without regenerating the script.
 */
const BASH_SCRIPT = `# millrace completion for bash. Install: millrace completion bash >> ~/.bashrc
_millrace_complete() {
  local current="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  local candidates
  candidates=$("\${COMP_WORDS[0]}" --get-yargs-completions "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null)
  COMPREPLY=($(compgen -W "$candidates" -- "$current"))
}
complete -o default -F _millrace_complete millrace
`;

const ZSH_SCRIPT = `#compdef millrace
# millrace completion for zsh. Install: millrace completion zsh >> ~/.zshrc
_millrace_complete() {
  local -a candidates
  candidates=("\${(@f)$("\${words[1]}" --get-yargs-completions "\${(@)words[1,CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates} )); then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
compdef _millrace_complete millrace
`;

/** The completion script for a shell. */
export function completionScript(shell: CompletionShell): string {
  return shell === "zsh" ? ZSH_SCRIPT : BASH_SCRIPT;
}

/** The shell to target when none is named: zsh when $SHELL is zsh, else bash. */
export function defaultShell(env: NodeJS.ProcessEnv): CompletionShell {
  return path.basename(env.SHELL ?? "") === "zsh" ? "zsh" : "bash";
}

export const completionCommand: MillraceCommand<{ shell?: CompletionShell }> = {
  command: "completion [shell]",
  describe: "Print a shell completion script for bash or zsh",
  builder: (yargs) =>
    yargs.positional("shell", {
      choices: COMPLETION_SHELLS,
      describe: "Target shell (default: zsh when $SHELL is zsh, else bash)",
    }),
  examples: [
    ["$0 completion bash >> ~/.bashrc", "Enable completion in new bash sessions"],
    ["$0 completion zsh >> ~/.zshrc", "Enable completion in new zsh sessions"],
  ],
  handler(args, ctx) {
    const shell = args.shell ?? defaultShell(ctx.io.env);
    const script = completionScript(shell);
    ctx.emit(script, { shell, script });
  },
};
