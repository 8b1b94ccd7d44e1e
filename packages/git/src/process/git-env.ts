/**
 * The environment every git child process gets: built from scratch, never the caller's whole
 * environment. That keeps inherited `GIT_DIR`, `GIT_INDEX_FILE` or `GIT_WORK_TREE` (set when Millrace
 * itself runs inside a git hook) from pointing git at the wrong repository, and keeps the user's
 * pager, editor and credential prompts out of an unattended run.
 */

/** Variables taken from the parent when set: finding git and the user's config, ssh-agent for push. */
const PASSED_THROUGH = [
  "PATH",
  "HOME",
  "USERPROFILE",
  "SYSTEMROOT",
  "XDG_CONFIG_HOME",
  "TMPDIR",
  "SSH_AUTH_SOCK",
];

/** Fixed settings: no prompts, no pager, no editor, parseable (untranslated) output. */
const FIXED: Record<string, string> = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_EDITOR: "true",
  GIT_SEQUENCE_EDITOR: "true",
  GIT_MERGE_AUTOEDIT: "no",
  GIT_PAGER: "cat",
  PAGER: "cat",
  LC_ALL: "C",
  LANG: "C",
  // ssh must fail instead of asking for a passphrase or a host-key confirmation.
  GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
};

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export function gitEnvironment(
  parent: NodeJS.ProcessEnv,
  options: { home?: string; identity?: GitIdentity } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = parent[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, FIXED);
  if (options.home !== undefined) {
    env.HOME = options.home;
    // A test or sandbox home must not pick up the real user's XDG git config either.
    delete env.XDG_CONFIG_HOME;
  }
  if (options.identity) {
    env.GIT_AUTHOR_NAME = options.identity.name;
    env.GIT_AUTHOR_EMAIL = options.identity.email;
    env.GIT_COMMITTER_NAME = options.identity.name;
    env.GIT_COMMITTER_EMAIL = options.identity.email;
  }
  return env;
}
