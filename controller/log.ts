// The root logger. Everything below takes a pino child bound to its context ({ dpid }, { ovsdb }, { node }).
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'sdn-controller' } });
}
