/** `docs/cli.md`: every command, its arguments, options (with defaults and choices) and examples. */
export declare function renderCliReference(): string;
/** `docs/configuration.md`: every key of millrace.toml with its type, default, when it applies and what it does. */
export declare function renderConfigurationReference(): string;
/** `docs/troubleshooting.md`: where to start, common situations, every doctor check code and every error code. */
export declare function renderTroubleshooting(): string;
