// protocols/packets: the frames a controller receives in packet-ins and sends in packet-outs.
// Pure and synchronous; every parser returns a Result and never throws on bad bytes.
export * from './result.js';
export * from './constants.js';
export { sum16, finishChecksum, internetChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from './checksum.js';
export {
  formatMac,
  parseMac,
  formatIpv4,
  formatIpv6,
  parseIp,
  canonicalIp,
  type IpBytes,
} from './addresses.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './icmp.js';
export * from './icmpv6.js';
export * from './icmp-quote.js';
export * from './tcp.js';
export * from './udp.js';
export * from './transport-checksum.js';
export * from './frame.js';
export * from './flow-key.js';
export { l4WireLength, type ReplyOptions } from './reply-headers.js';
export * from './tcp-reset.js';
export * from './unreachable.js';
export * from './neighbor-advertisement.js';
export * from './router-advertisement.js';
export * from './packet-tuple.js';
