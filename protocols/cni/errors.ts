// CNI error codes (SPEC.md "Error" section; 8 and 999 from libcni/skel) and the error JSON the runtime reads
// from the plugin's stdout. Codes 100+ are ours; each message says what went wrong, `details` what to fix.
import type { CniVersion } from './versions.js';

export const CniCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnv: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  InvalidNetns: 8,
  TryAgainLater: 11,
  NotAvailable: 50,
  LimitedConnectivity: 51,
  ControllerRejected: 100,
  IpUnavailable: 101,
  InterfaceExists: 102,
  CheckFailed: 103,
  Internal: 999,
} as const;
export type CniCodeValue = (typeof CniCode)[keyof typeof CniCode];

const MESSAGES: Record<CniCodeValue, string> = {
  1: 'Incompatible CNI version',
  2: 'Unsupported field in network configuration',
  3: 'Container unknown or does not exist',
  4: 'Invalid necessary environment variables',
  5: 'I/O error',
  6: 'Failed to decode content',
  7: 'Invalid network config',
  8: 'Invalid network namespace',
  11: 'Try again later',
  50: 'Plugin not available',
  51: 'Plugin not available, existing containers may have limited connectivity',
  100: 'Controller rejected the request',
  101: 'IP address unavailable',
  102: 'Interface already exists in the container',
  103: 'Attachment check failed',
  999: 'Internal error',
};

export interface CniError {
  readonly code: CniCodeValue;
  readonly msg: string;
  readonly details: string;
}

export function cniError(code: CniCodeValue, details: string): CniError {
  return { code, msg: MESSAGES[code], details };
}

/** The error object as printed on stdout; `cniVersion` is the request's (or ours when it had none we know). */
export function errorJson(version: CniVersion, e: CniError): string {
  return JSON.stringify({ cniVersion: version, code: e.code, msg: e.msg, details: e.details });
}

/** A parse outcome: a value, or the CNI error to print. */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CniError };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (code: CniCodeValue, details: string): Parsed<never> => ({
  ok: false,
  error: cniError(code, details),
});
