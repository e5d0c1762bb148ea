// protocols/ovsdb: RFC 7047 wire formats only, pure and synchronous (no sockets, timers or logging).
export * from './framer';
export * from './jsonrpc';
export * from './schema';
export * from './datum';
export * from './operations';
export * from './methods';
export * from './tables';
