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

const OFPT_FLOW_MOD = 14;

export class SyntheticSwitch {
  readonly counts = { flowMod: 0, packetOut: 0, meterMod: 0, other: 0 };
  onAnswer: ((a: Answer) => void) | undefined;
  /** Sees every message's bytes first; returning true means handled (not decoded): the bench's cheap path. */
  onRaw: ((bytes: Uint8Array, at: number) => boolean) | undefined;
  /** Decode FLOW_MODs and hand them to onAnswer (tests); off, they are only counted (bench). */
  decodeFlowMods = true;
  /** Resolves once the controller has finished its handshake (it asked for the port descriptions). */
  readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;
  private readonly framer = new Framer();

  private constructor(
    private readonly socket: Socket,
    readonly dpid: bigint,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const at = performance.now();
      for (const bytes of this.framer.push(chunk).messages) {
        // FLOW_MODs are counted from their header alone: the switch side must stay cheaper than the controller.
        if (this.onRaw?.(bytes, at) === true) continue;
        if (bytes[1] === OFPT_FLOW_MOD && !this.decodeFlowMods) {
          this.counts.flowMod++;
          continue;
        }
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

  /** The bytes of one PACKET_IN from table `tableId` (`cookie` of the flow that sent it), as OVS sends it: in_port and reg2 in the match. */
  static packetInBytes(
    frame: Uint8Array,
    inPort: number,
    tableId: number,
    cookie: bigint,
    reg2?: number,
  ): Uint8Array {
    return encode({
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

  packetIn(frame: Uint8Array, inPort: number, tableId: number, cookie: bigint, reg2?: number): void {
    this.socket.write(SyntheticSwitch.packetInBytes(frame, inPort, tableId, cookie, reg2));
  }

  /** Sends bytes that are already whole messages, as they are. */
  writeBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends pre-encoded messages in one write. */
  writeRaw(messages: readonly Uint8Array[]): void {
    this.socket.write(Buffer.concat(messages));
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
        if (m.kind === 'portDesc') {
          reply({ type: 'multipartReply', xid: m.xid, kind: 'portDesc', flags: 0, ports: [] });
          setTimeout(() => this.markReady(), 20);
        }
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
