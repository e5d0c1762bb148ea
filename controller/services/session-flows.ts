// The flows of one load-balanced connection, as FLOW_MODs: the forward flow (client 5-tuple -> the backend's address
// and port, stateless set_field NAT; Open vSwitch fixes the IP and L4 checksums) and the reverse flow (the backend's
// replies -> the ClusterIP and service port as source). Both sit in service_lb above the ClusterIP's miss flow, in the
// client's routing domain, and go on to egress_security like any other packet: l3 then routes the DNATed packet to
// the backend (or, for an address outside the cluster, out through egress-nat's SNAT to the node address), and the
// reply's way back to the client. Only the client's switch carries them: replies reach it before the client does,
// from a local backend pod, the tunnel, or un-SNATed through the host (service-lb's classify flow).
import {
  FlowModCommand,
  FlowModFlags,
  Group,
  OFP_NO_BUFFER,
  PortNo,
  type FlowMod,
} from '../../protocols/openflow13/index.js';
import type { OxmField } from '../../protocols/openflow13/oxm.js';
import { setField } from '../pipeline/actions.js';
import { cookie } from '../pipeline/cookies.js';
import { matchReg, ROUTE_DOMAIN } from '../pipeline/fields.js';
import { Eth, flow, IpProto, type FlowSpec } from '../pipeline/flow.js';
import { Priority } from '../pipeline/priorities.js';

export interface Endpoint4 {
  readonly ip: string;
  readonly port: number;
}

export interface SessionSpec {
  /** ROUTE_DOMAIN of the client. */
  readonly domain: number;
  readonly ipVersion: 4 | 6;
  /** IP protocol number: TCP, UDP or SCTP. */
  readonly protocol: number;
  readonly client: Endpoint4;
  readonly vip: Endpoint4;
  readonly backend: Endpoint4;
  /** 40-bit object id of the backend: the `session` cookie, so that its sessions go with one masked delete. */
  readonly backendObjectId: bigint;
  readonly idleTimeout: number;
}

type PortField = 'tcp_src' | 'tcp_dst' | 'udp_src' | 'udp_dst' | 'sctp_src' | 'sctp_dst';

function portField(protocol: number, side: 'src' | 'dst'): PortField {
  const p = protocol === IpProto.tcp ? 'tcp' : protocol === IpProto.udp ? 'udp' : 'sctp';
  return `${p}_${side}`;
}

function ipField(v: 4 | 6, side: 'src' | 'dst'): 'ipv4_src' | 'ipv4_dst' | 'ipv6_src' | 'ipv6_dst' {
  return `ipv${v}_${side}`;
}

function tupleMatch(s: SessionSpec, src: Endpoint4, dst: Endpoint4): OxmField[] {
  return [
    matchReg(ROUTE_DOMAIN, s.domain),
    { field: 'eth_type', value: s.ipVersion === 4 ? Eth.ipv4 : Eth.ipv6 },
    { field: 'ip_proto', value: s.protocol },
    { field: ipField(s.ipVersion, 'src'), value: src.ip },
    { field: ipField(s.ipVersion, 'dst'), value: dst.ip },
    { field: portField(s.protocol, 'src'), value: src.port },
    { field: portField(s.protocol, 'dst'), value: dst.port },
  ] as OxmField[];
}

/** client -> ClusterIP:port becomes client -> backend:targetPort. Reports its removal (connection accounting). */
export function forwardFlow(s: SessionSpec): FlowSpec {
  return flow({
    table: 'service_lb',
    priority: Priority.specific,
    cookie: cookie('session', s.backendObjectId),
    match: tupleMatch(s, s.client, s.vip),
    actions: [
      setField({ field: ipField(s.ipVersion, 'dst'), value: s.backend.ip } as OxmField),
      ...(s.backend.port !== s.vip.port
        ? [setField({ field: portField(s.protocol, 'dst'), value: s.backend.port } as OxmField)]
        : []),
    ],
    goto: 'egress_security',
    idleTimeout: s.idleTimeout,
    flags: FlowModFlags.SEND_FLOW_REM,
  });
}

/** backend:targetPort -> client becomes ClusterIP:port -> client. */
export function reverseFlow(s: SessionSpec): FlowSpec {
  return flow({
    table: 'service_lb',
    priority: Priority.specific,
    cookie: cookie('session', s.backendObjectId),
    match: tupleMatch(s, s.backend, s.client),
    actions: [
      setField({ field: ipField(s.ipVersion, 'src'), value: s.vip.ip } as OxmField),
      ...(s.backend.port !== s.vip.port
        ? [setField({ field: portField(s.protocol, 'src'), value: s.vip.port } as OxmField)]
        : []),
    ],
    goto: 'egress_security',
    // A little longer than the forward flow: it is removed with it (strict delete on FLOW_REMOVED), and must not
    // expire first on a connection whose replies pause while the client still sends.
    idleTimeout: s.idleTimeout + 5,
  });
}

/** A FlowSpec as an OFPFC_ADD (or another command) message body. */
export function flowMod(f: FlowSpec, command: number = FlowModCommand.ADD): Omit<FlowMod, 'xid'> {
  return {
    type: 'flowMod',
    cookie: f.cookie,
    cookieMask: 0n,
    tableId: f.table,
    command,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    priority: f.priority,
    bufferId: OFP_NO_BUFFER,
    outPort: PortNo.ANY,
    outGroup: Group.ANY,
    flags: f.flags,
    match: f.match,
    instructions: f.instructions,
  };
}

/** Deletes every session flow whose cookie is `c` exactly (one backend's sessions), in every table. */
export function deleteByCookie(c: bigint): Omit<FlowMod, 'xid'> {
  return {
    type: 'flowMod',
    cookie: c,
    cookieMask: 0xffffffffffffffffn,
    tableId: 0xff,
    command: FlowModCommand.DELETE,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0,
    bufferId: OFP_NO_BUFFER,
    outPort: PortNo.ANY,
    outGroup: Group.ANY,
    flags: 0,
    match: [],
    instructions: [],
  };
}

/** The reverse flow of a forward flow reported removed: same table, priority and cookie, strict match. */
export function deleteStrict(f: FlowSpec): Omit<FlowMod, 'xid'> {
  return { ...flowMod(f, FlowModCommand.DELETE_STRICT), cookieMask: 0xffffffffffffffffn };
}
