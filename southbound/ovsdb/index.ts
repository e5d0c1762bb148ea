// southbound/ovsdb: OVSDB I/O to switches. A client with reconnect and a monitored replica, typed transactions,
// a passive listener, and the vSwitch and hardware-VTEP drivers. Knows nothing of tenants or pods.
export * from './target';
export * from './rpc-session';
export * from './replica';
export * from './transaction';
export * from './client';
export * from './listener';
export * from '../../protocols/ovsdb/vswitch-profiles';
export * from './vswitch/driver';
export * from './vtep/driver';
