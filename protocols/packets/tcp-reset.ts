// The RST that refuses a connection attempt (RFC 9293 3.10.7.1: a segment to a CLOSED port).
import { IpProto, TCP_MIN_HEADER_LEN, TcpFlag } from './constants.js';
import { parseEthernet } from './ethernet.js';
import { parseNetwork } from './frame.js';
import { startReply, l4WireLength, type ReplyOptions } from './reply-headers.js';
import { fail, ok, type Result } from './result.js';
import { parseTcp, writeTcp } from './tcp.js';
import { writeTransportChecksum } from './transport-checksum.js';

/** Resets carry DF, as every segment of a PMTU-discovering stack does (RFC 1191). */
const RST_PROFILE = { dscp: 0, dontFragment: true };

/**
 * The RST answering a TCP segment (typically a SYN to a Service without backends), as the closed port would
 * send it: if the segment had ACK, `<SEQ=SEG.ACK><CTL=RST>`; otherwise `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`.
 * A RST is never answered.
 */
export function buildTcpReset(frame: Uint8Array, options: ReplyOptions = {}): Result<Buffer> {
  const eth = parseEthernet(frame);
  if (!eth.ok) return eth;
  const net = parseNetwork(frame, eth.value);
  if (!net.ok) return net;
  const ip = net.value;
  if (ip === undefined || ip.kind === 'arp') return fail('tcp', eth.value.payloadOffset, 'not an IP packet');
  if (ip.protocol !== IpProto.TCP) return fail('tcp', ip.l4Offset, `IP protocol ${ip.protocol} is not TCP`);
  const seg = parseTcp(frame, ip.l4Offset, ip.l4Length);
  if (!seg.ok) return seg;
  const tcp = seg.value;
  if (tcp.flags & TcpFlag.RST) return fail('tcp', tcp.offset + 13, 'the segment is itself a RST');

  const reply = startReply(frame, eth.value, ip, IpProto.TCP, TCP_MIN_HEADER_LEN, options, RST_PROFILE);
  if (!reply.ok) return reply;
  const { out, l4Offset } = reply.value;
  const hasAck = (tcp.flags & TcpFlag.ACK) !== 0;
  const segLen =
    l4WireLength(ip) -
    tcp.headerLength +
    (tcp.flags & TcpFlag.SYN ? 1 : 0) +
    (tcp.flags & TcpFlag.FIN ? 1 : 0);
  writeTcp(out, l4Offset, {
    srcPort: tcp.dstPort,
    dstPort: tcp.srcPort,
    seq: hasAck ? tcp.ack : 0,
    ack: hasAck ? 0 : (tcp.seq + segLen) % 0x100000000,
    flags: hasAck ? TcpFlag.RST : TcpFlag.RST | TcpFlag.ACK,
  });
  writeTransportChecksum(out, reply.value.ip, IpProto.TCP, l4Offset, TCP_MIN_HEADER_LEN);
  return ok(out);
}
