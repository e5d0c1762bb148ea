// A synthetic OpenFlow 1.3 switch for the load balancer's tests and bench (cbench-style): it dials a controller over
// TCP, answers the handshake, barriers and meter/flow queries, sends PACKET_INs of TCP SYNs of new connections to
// a ClusterIP, and counts what the controller answers (FLOW_MOD, PACKET_OUT) with the time each answer arrived.
import { connect, type Socket } from 'node:net';
import { decode, encode, Framer, type OfpMessage } from '../../protocols/openflow13/index.js';
import {
  EtherType,
  IpProto,
  macBytes,
  parseIp,
  writeEthernet,
  writeIpv4,
  writeTcp,
} from '../../protocols/packets/index.js';

export interface SynFrame {
  readonly clientMac: string;
  readonly gatewayMac: string;
  readonly client: string;
  readonly clientPort: number;
  readonly vip: string;
  readonly port: number;
  /** TCP flags; SYN by default. */
  readonly flags?: number;
}

/** An Ethernet + IPv4 + TCP frame of 54 bytes (checksums of IP right; TCP's left zero: the controller reads ports). */
export function synFrame(f: SynFrame): Uint8Array {
  const buf = new Uint8Array(54);
  const dst = macBytes(f.gatewayMac);
  const src = macBytes(f.clientMac);
  if (!dst.ok || !src.ok) throw new Error('bad MAC');
  const ipOff = writeEthernet(buf, 0, { dst: dst.value, src: src.value, etherType: EtherType.IPv4 });
  const l4 = writeIpv4(buf, ipOff, {
    src: (parseIp(f.client) as { bytes: Uint8Array }).bytes,
    dst: (parseIp(f.vip) as { bytes: Uint8Array }).bytes,
    protocol: IpProto.TCP,
    payloadLength: 20,
  });
  writeTcp(buf, l4, { srcPort: f.clientPort, dstPort: f.port, seq: 1, ack: 0, flags: f.flags ?? 0x02 });
  return buf;
}

export interface Answer {
  readonly message: OfpMessage;
  /** performance.now() when it was decoded. */
  readonly at: number;
}

export class SyntheticSwitch {
  readonly counts = { flowMod: 0, packetOut: 0, meterMod: 0, other: 0 };
  onAnswer: ((a: Answer) => void) | undefined;
  private readonly framer = new Framer();

  private constructor(
    private readonly socket: Socket,
    readonly dpid: bigint,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const at = performance.now();
      for (const bytes of this.framer.push(chunk).messages) {
        const r = decode(bytes);
        if (r.ok) this.onMessage(r.message, at);
      }
    });
    socket.on('error', () => undefined);
  }

  static async dial(port: number, dpid: bigint, host = '127.0.0.1'): Promise<SyntheticSwitch> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, host, () => resolve(s));
      s.once('error', reject);
    });
    const sw = new SyntheticSwitch(socket, dpid);
    sw.write({ type: 'hello', xid: 0, elements: [{ kind: 'versionBitmap', bitmaps: [1 << 4] }] });
    return sw;
  }

  /** One PACKET_IN from table `tableId` (`cookie` of the flow that sent it), as OVS sends it: in_port and reg2 in the match. */
  packetIn(frame: Uint8Array, inPort: number, tableId: number, cookie: bigint, reg2?: number): void {
    this.write({
      type: 'packetIn',
      xid: 0,
      bufferId: 0xffffffff,
      totalLen: frame.length,
      reason: 1,
      tableId,
      cookie,
      match: [
        { field: 'in_port', value: inPort },
        ...(reg2 !== undefined ? [{ field: 'reg2' as const, value: reg2 }] : []),
      ],
      data: frame,
    });
  }

  /** Batches the writes of `fn` into as few TCP segments as the kernel likes. */
  batch(fn: () => void): void {
    this.socket.cork();
    try {
      fn();
    } finally {
      process.nextTick(() => this.socket.uncork());
    }
  }

  close(): void {
    this.socket.destroy();
  }

  write(m: OfpMessage): void {
    this.socket.write(encode(m));
  }

  private onMessage(m: OfpMessage, at: number): void {
    const reply = (r: OfpMessage): void => this.write(r);
    switch (m.type) {
      case 'featuresRequest':
        return reply({
          type: 'featuresReply',
          xid: m.xid,
          datapathId: this.dpid,
          nBuffers: 0,
          nTables: 254,
          auxiliaryId: 0,
          capabilities: 0,
          reserved: 0,
        });
      case 'echoRequest':
        return reply({ type: 'echoReply', xid: m.xid, data: m.data });
      case 'barrierRequest':
        return reply({ type: 'barrierReply', xid: m.xid });
      case 'multipartRequest':
        if (m.kind === 'portDesc')
          return reply({ type: 'multipartReply', xid: m.xid, kind: 'portDesc', flags: 0, ports: [] });
        return;
      case 'flowMod':
        this.counts.flowMod++;
        break;
      case 'packetOut':
        this.counts.packetOut++;
        break;
      case 'meterMod':
        this.counts.meterMod++;
        break;
      default:
        this.counts.other++;
    }
    this.onAnswer?.({ message: m, at });
  }
}
