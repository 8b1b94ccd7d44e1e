import path from "node:path";
import type { MillraceCommand } from "../command.js";

export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/*
 * The scripts ask the CLI itself for candidates (`millrace --get-yargs-completions <words…>`,
 * answered by yargs from the registered commands and options, and by id-completion.ts for run and
 * work item ids), so completion follows the installed
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

const FISH_SCRIPT = `# millrace completion for fish. Install: millrace completion fish > ~/.config/fish/completions/millrace.fish
function __millrace_complete
    set -l words (commandline -opc) (commandline -ct)
    $words[1] --get-yargs-completions $words 2>/dev/null
end
complete -c millrace -f -a '(__millrace_complete)'
`;

/** The completion script for a shell. */
export function completionScript(shell: CompletionShell): string {
  if (shell === "fish") return FISH_SCRIPT;
  return shell === "zsh" ? ZSH_SCRIPT : BASH_SCRIPT;
}

/** The shell to target when none is named: the one $SHELL names when it is zsh or fish, else bash. */
export function defaultShell(env: NodeJS.ProcessEnv): CompletionShell {
  const name = path.basename(env.SHELL ?? "");
  return name === "zsh" || name === "fish" ? name : "bash";
}

export const completionCommand: MillraceCommand<{ shell?: CompletionShell }> = {
  command: "completion [shell]",
  describe: "Print a shell completion script for bash, zsh or fish",
  builder: (yargs) =>
    yargs.positional("shell", {
      choices: COMPLETION_SHELLS,
      describe: "Target shell (default: $SHELL when it is zsh or fish, else bash)",
    }),
  examples: [
    ["$0 completion bash >> ~/.bashrc", "Enable completion in new bash sessions"],
    ["$0 completion zsh >> ~/.zshrc", "Enable completion in new zsh sessions"],
    ["$0 completion fish > ~/.config/fish/completions/millrace.fish", "Enable completion in fish"],
  ],
  handler(args, ctx) {
    const shell = args.shell ?? defaultShell(ctx.io.env);
    const script = completionScript(shell);
    ctx.emit(script, { shell, script });
  },
};
