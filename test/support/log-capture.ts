// A pino logger whose lines the test can read: to assert that a session closed with a logged reason.
import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: Record<string, unknown>[];
}

export function captureLog(level: pino.Level = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, sink), lines };
}
