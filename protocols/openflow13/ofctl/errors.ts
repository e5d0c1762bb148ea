// The one error the ovs-ofctl parser throws: its message names the text at fault and what is expected.
export class OfctlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfctlSyntaxError';
  }
}

export function fail(message: string): never {
  throw new OfctlSyntaxError(message);
}
