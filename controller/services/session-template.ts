// The answer to a packet-in of a new connection, as bytes: the forward and reverse FLOW_MODs and the PACKET_OUT.
// For one switch, ClusterIP:port and backend these differ between connections only in the client's address, port
// and MACs, so they are encoded once (by the ordinary encoder, from the ordinary session flows) into a template,
// and every later connection is a copy with those bytes taken from its own frame, the xids and the PACKET_OUT's
// buffer, in_port and data patched in: no FlowSpec, no message object, no string per packet.
// A template proves itself when it is made: its output for the packet at hand and for a made-up second client must
// equal the encoder's, byte for byte, or it is not used (the caller then encodes as before).
import {
  encode,
  flowModOxmSlots,
  OFP_NO_BUFFER,
  PortNo,
  type OfpMessage,
  type OxmFieldName,
  type OxmSlot,
} from '../../protocols/openflow13/index.js';
import {
  formatIpv4,
  formatIpv6,
  formatMac,
  newPacketTuple,
  readPacketTuple,
  type PacketTuple,
} from '../../protocols/packets/index.js';
import { deliversAtL2, flowMod, forwardFlow, reverseFlow, type SessionSpec } from './session-flows.js';

/** What a session's flows are made from, apart from the client. */
export type SpecForClient = (client: ClientFields) => SessionSpec;

export interface ClientFields {
  readonly ip: string;
  readonly port: number;
  readonly mac: string;
  /** The MAC the client sent to (its gateway). */
  readonly gatewayMac: string;
}

/** Where a patched value comes from in the packet-in's frame. */
const enum From {
  ClientIp,
  ClientPort,
  ClientMac,
  GatewayMac,
}

/** ofp_packet_out up to its data, with one output action: header 8, buffer 4, in_port 4, actions_len 2, pad 6, 16. */
const PACKET_OUT_HEAD = 40;

const PORT_FIELDS: Readonly<Record<number, readonly [OxmFieldName, OxmFieldName]>> = {
  6: ['tcp_src', 'tcp_dst'],
  17: ['udp_src', 'udp_dst'],
  132: ['sctp_src', 'sctp_dst'],
};

export class SessionTemplate {
  /** Forward FLOW_MOD, reverse FLOW_MOD, PACKET_OUT without data. */
  private readonly bytes: Uint8Array;
  private readonly reverseAt: number;
  private readonly packetOutAt: number;
  /** (offset in `bytes`, From, length) triples. */
  private readonly patches: Int32Array;

  private constructor(
    /** The backend its connections go to (its id, as the balancer knows it). */
    readonly backendId: string,
    /** The flows of the connection the template was made from. */
    readonly spec: SessionSpec,
    forward: Uint8Array,
    reverse: Uint8Array,
    packetOut: Uint8Array,
    patches: number[],
  ) {
    this.bytes = new Uint8Array(forward.length + reverse.length + PACKET_OUT_HEAD);
    this.bytes.set(forward, 0);
    this.bytes.set(reverse, forward.length);
    this.bytes.set(packetOut.subarray(0, PACKET_OUT_HEAD), forward.length + reverse.length);
    this.reverseAt = forward.length;
    this.packetOutAt = forward.length + reverse.length;
    this.patches = Int32Array.from(patches);
  }

  /**
   * The template for the connections of `specFor`, made from this packet-in's frame (read into `t`), or
   * undefined when the session flows have a shape it cannot patch (then the caller encodes each one).
   */
  static build(
    backendId: string,
    specFor: SpecForClient,
    frame: Uint8Array,
    t: PacketTuple,
  ): SessionTemplate | undefined {
    const spec = specFor(clientOf(frame, t));
    const [fwd, rev, out] = encoded(spec, 0, OFP_NO_BUFFER, 0, new Uint8Array(0));
    const patches = patchesOf(spec, fwd, rev);
    if (patches === undefined || out.length !== PACKET_OUT_HEAD) return undefined;
    const tpl = new SessionTemplate(backendId, spec, fwd, rev, out, patches);
    // Proof: this packet, and another client (every patched byte changed), come out as the encoder has them.
    const other = otherClient(frame, t);
    return tpl.matchesEncoder(specFor, frame, t) && other && tpl.matchesEncoder(specFor, other.frame, other.t)
      ? tpl
      : undefined;
  }

  /** Bytes write() puts out for a packet-in carrying `dataLength` bytes of packet. */
  size(dataLength: number): number {
    return this.packetOutAt + PACKET_OUT_HEAD + dataLength;
  }

  /**
   * Writes the three messages for the connection of `frame` (read into `t`) at `out[at]`: xids `xid`, `xid + 1`,
   * `xid + 2`; the PACKET_OUT re-injects the switch's buffer `bufferId` or, unbuffered, carries `data`.
   */
  write(
    out: Uint8Array,
    at: number,
    frame: Uint8Array,
    t: PacketTuple,
    xids: readonly [number, number, number],
    bufferId: number,
    inPort: number,
    data: Uint8Array,
  ): void {
    out.set(this.bytes, at);
    const p = this.patches;
    for (let i = 0; i < p.length; i += 3) {
      const from = p[i + 1];
      const src =
        from === From.ClientIp
          ? t.srcOffset
          : from === From.ClientPort
            ? t.l4Offset
            : from === From.ClientMac
              ? 6
              : 0;
      // At most 16 bytes: a loop, not a subarray object per field.
      for (let j = 0, to = at + p[i]; j < p[i + 2]; j++) out[to + j] = frame[src + j];
    }
    put32(out, at + 4, xids[0]);
    put32(out, at + this.reverseAt + 4, xids[1]);
    const po = at + this.packetOutAt;
    const length = PACKET_OUT_HEAD + data.length;
    out[po + 2] = length >>> 8;
    out[po + 3] = length & 0xff;
    put32(out, po + 4, xids[2]);
    put32(out, po + 8, bufferId);
    put32(out, po + 12, inPort);
    out.set(data, po + PACKET_OUT_HEAD);
  }

  /** The reverse flow of one of this template's connections (FLOW_REMOVED of its forward flow names the client). */
  reverseFlowOf(clientIp: string, clientPort: number): ReturnType<typeof reverseFlow> {
    return reverseFlow({ ...this.spec, client: { ip: clientIp, port: clientPort } });
  }

  private matchesEncoder(specFor: SpecForClient, frame: Uint8Array, t: PacketTuple): boolean {
    const xids = [7, 8, 9] as const;
    const want = encoded(specFor(clientOf(frame, t)), 7, OFP_NO_BUFFER, 3, frame);
    const got = new Uint8Array(this.size(frame.length));
    this.write(got, 0, frame, t, xids, OFP_NO_BUFFER, 3, frame);
    return Buffer.compare(got, Buffer.concat(want)) === 0;
  }
}

/** The three messages as the encoder makes them (the old path's bytes). */
function encoded(
  spec: SessionSpec,
  xid: number,
  bufferId: number,
  inPort: number,
  data: Uint8Array,
): Uint8Array[] {
  const msgs: OfpMessage[] = [
    { ...flowMod(forwardFlow(spec)), xid } as OfpMessage,
    { ...flowMod(reverseFlow(spec)), xid: xid + 1 } as OfpMessage,
    {
      type: 'packetOut',
      xid: xid + 2,
      bufferId,
      inPort,
      actions: [{ type: 'output', port: PortNo.TABLE, maxLen: 0 }],
      data,
    },
  ];
  return msgs.map((m) => encode(m));
}

/**
 * Forward: match ip_src, port_src. Reverse: match ip_dst, port_dst; for a pod backend also set_field eth_src (gateway)
 * and eth_dst (client).
 */
function patchesOf(spec: SessionSpec, fwd: Uint8Array, rev: Uint8Array): number[] | undefined {
  const ports = PORT_FIELDS[spec.protocol];
  if (ports === undefined) return undefined;
  const v = spec.ipVersion;
  const want: [Uint8Array, number, OxmSlot['where'], OxmFieldName, From][] = [
    [fwd, 0, 'match', `ipv${v}_src`, From.ClientIp],
    [fwd, 0, 'match', ports[0], From.ClientPort],
    [rev, fwd.length, 'match', `ipv${v}_dst`, From.ClientIp],
    [rev, fwd.length, 'match', ports[1], From.ClientPort],
  ];
  // An external backend's replies are routed by l3, so only a pod backend's reverse flow carries the client's MACs.
  if (deliversAtL2(spec))
    want.push(
      [rev, fwd.length, 'setField', 'eth_src', From.GatewayMac],
      [rev, fwd.length, 'setField', 'eth_dst', From.ClientMac],
    );
  const slots = new Map<Uint8Array, OxmSlot[]>([
    [fwd, flowModOxmSlots(fwd)],
    [rev, flowModOxmSlots(rev)],
  ]);
  const out: number[] = [];
  for (const [msg, base, where, field, from] of want) {
    const found = slots.get(msg)?.filter((s) => s.where === where && s.field === field && !s.masked) ?? [];
    if (found.length !== 1) return undefined;
    out.push(base + found[0].valueOffset, from, found[0].valueLength);
  }
  return out;
}

function clientOf(frame: Uint8Array, t: PacketTuple): ClientFields {
  return {
    ip: t.ipVersion === 4 ? formatIpv4(frame, t.srcOffset) : formatIpv6(frame, t.srcOffset),
    port: t.srcPort,
    mac: formatMac(frame, 6),
    gatewayMac: formatMac(frame, 0),
  };
}

/** The same frame from another client: every byte a template patches in is different. */
function otherClient(frame: Uint8Array, t: PacketTuple): { frame: Uint8Array; t: PacketTuple } | undefined {
  const f = Uint8Array.from(frame);
  const ipLength = t.ipVersion === 4 ? 4 : 16;
  for (const [at, n] of [
    [0, 6],
    [6, 6],
    [t.srcOffset, ipLength],
    [t.l4Offset, 2],
  ])
    for (let i = at; i < at + n; i++) f[i] ^= 0x11;
  f[0] &= 0xfe; // the MACs stay unicast
  f[6] &= 0xfe;
  const t2 = newPacketTuple();
  return readPacketTuple(f, t2) ? { frame: f, t: t2 } : undefined;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
