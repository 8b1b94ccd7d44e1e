export * from "./config.js";
export * from "./enums.js";
export * from "./errors.js";
export * from "./ids.js";
export * from "./json.js";
export * from "./legality.js";
export * from "./time.js";
