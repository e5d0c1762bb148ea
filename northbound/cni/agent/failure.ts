// A CNI error raised deep in the agent (netlink, controller call) and turned into the error JSON at the edge.
import { cniError, type CniCodeValue, type CniError } from '../../../protocols/cni/index.js';

export class CniFailure extends Error {
  constructor(readonly error: CniError) {
    super(`${error.msg}: ${error.details}`);
  }

  static of(code: CniCodeValue, details: string): CniFailure {
    return new CniFailure(cniError(code, details));
  }
}

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
