// Domain errors: what went wrong in terms an API client can act on. northbound/api maps them to RFC 7807 problems.
import type { Id, Kind } from '../model/types';

export interface Holder {
  readonly kind: Kind;
  readonly id: Id;
  readonly name?: string;
}

export type DomainErrorKind = 'invalid' | 'not-found' | 'conflict' | 'exhausted' | 'forbidden';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** JSON pointer-ish path of the request field at fault, e.g. "body/pools/0/start". */
    readonly field?: string,
    /** Objects that hold the one a delete was asked for. */
    readonly holders?: readonly Holder[],
  ) {
    super(message);
  }
}

export const invalid = (field: string, reason: string): DomainError =>
  new DomainError('invalid', reason, field);
export const notFound = (kind: Kind, ref: string, field?: string): DomainError =>
  new DomainError('not-found', `${kind} "${ref}" not found`, field);
export const conflict = (message: string, field?: string): DomainError =>
  new DomainError('conflict', message, field);
export const exhausted = (message: string, field?: string): DomainError =>
  new DomainError('exhausted', message, field);
export const forbidden = (message: string): DomainError => new DomainError('forbidden', message);

export function heldBy(what: string, holders: Holder[]): DomainError {
  const list = holders
    .slice(0, 10)
    .map((h) => `${h.kind} ${h.name ?? h.id}`)
    .join(', ');
  const more = holders.length > 10 ? ` and ${holders.length - 10} more` : '';
  return new DomainError('conflict', `${what} is still used by ${list}${more}`, undefined, holders);
}
