export * from "./clis.js";
export * from "./fake-model-server.js";
export * from "./pi-rpc-session.js";
export * from "./sandbox.js";
export * from "./spawn-cli.js";
