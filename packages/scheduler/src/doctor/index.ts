export { VERSION_PROBE_TIMEOUT_MS } from "@millrace/runners";
export { DOCTOR_CHECK_CODES, type DoctorCheckCode, type DoctorCodeInfo, doctorGroupOf } from "./codes.js";
export { type FullDoctorOptions, runFullDoctor } from "./full-doctor.js";
export { defaultWhich, type WhichFn } from "./runner-checks.js";
