// The flows of one load-balanced connection, as FLOW_MODs: the forward flow (client 5-tuple -> the backend's address
// and port, stateless set_field NAT; Open vSwitch fixes the IP and L4 checksums) and the reverse flow (the backend's
// replies -> the ClusterIP and service port as source). Both sit in service_lb above the ClusterIP's miss flow, in the
// client's routing domain, and go on to egress_security like any other packet: l3 then routes the DNATed packet to
// the backend (or, for an address outside the cluster, out through the host with egress-nat's SNAT), and the
// reply's way back to the client. Only the client's switch carries them: replies reach it before the client does,
// from a local backend pod, the tunnel, or un-SNATed through the host (egress-nat's alias return flow).
import {
  FlowModCommand,
  FlowModFlags,
  Group,
  OFP_NO_BUFFER,
  PortNo,
  type FlowMod,
} from '../../protocols/openflow13/index.js';
import type { Action } from '../../protocols/openflow13/actions.js';
import type { Instruction } from '../../protocols/openflow13/instructions.js';
import type { OxmField } from '../../protocols/openflow13/oxm.js';
import { setField } from '../pipeline/actions.js';
import { cookie } from '../pipeline/cookies.js';
import { aliasAndSnat } from '../pipeline/features/egress-nat.js';
import { loadReg, matchReg, ROUTE_DOMAIN, TO_ROUTER } from '../pipeline/fields.js';
import { Eth, flow, IpProto, type FlowSpec } from '../pipeline/flow.js';
import { Priority } from '../pipeline/priorities.js';
import { tableId } from '../pipeline/tables.js';

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
  /**
   * MAC of a backend in the cluster: the forward flow delivers to it at L2 (eth_dst rewritten, TO_ROUTER cleared), so
   * l2 sends it to the local port or over the tunnel whatever subnet the backend is in. Absent for an address outside
   * the cluster, which l3 routes out through egress-nat's SNAT.
   */
  readonly backendMac?: string;
  /**
   * For a backend outside the cluster: the node-local egress transit address (egress-transit.ts; the node's kernel
   * MASQUERADEs it to the node's address, so that replies come back through this node) and the bridge MAC (the host
   * stack routes the packet on). The forward flow gives the packet the client port's alias and commits it in the
   * egress conntrack zone with NAT to that address, as egress-nat does; the replies come back through egress-nat's
   * un-NAT and alias return flow, which sends them through service_lb, where the reverse flow matches them.
   */
  readonly snat?: { readonly ip: string; readonly hostMac: string };
  /**
   * The client's MAC and the MAC it sent to (its gateway): the reverse flow delivers the reply at L2 with these,
   * so it does not depend on l3 routing back to the client. Not for an external backend (`snat`): its replies come
   * in through the host port, in no network (metadata unset), so l3 routes them to the client as it does every
   * egress reply (classify set TO_ROUTER).
   */
  readonly clientL2?: { readonly clientMac: string; readonly gatewayMac: string };
  /** The session cookie of the backend, when the caller has it at hand (else computed from backendObjectId). */
  readonly cookie?: bigint;
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

const SERVICE_LB = tableId('service_lb');
const GOTO_EGRESS: Instruction = { type: 'gotoTable', tableId: tableId('egress_security') };

// Session flows are built on the packet-in path, tens of thousands a second: they are assembled directly rather than
// through flow(), whose checks the unit tests run on the same shapes (checkedForwardFlow / checkedReverseFlow).
function sessionFlow(
  s: SessionSpec,
  match: OxmField[],
  actions: Action[],
  idle: number,
  flags: number,
): FlowSpec {
  return {
    table: SERVICE_LB,
    priority: Priority.specific,
    match,
    instructions: [{ type: 'applyActions', actions }, GOTO_EGRESS],
    cookie: s.cookie ?? cookie('session', s.backendObjectId),
    idleTimeout: idle,
    hardTimeout: 0,
    flags,
  };
}

/** client -> ClusterIP:port becomes client -> backend:targetPort. Reports its removal (connection accounting). */
export function forwardFlow(s: SessionSpec): FlowSpec {
  return sessionFlow(
    s,
    tupleMatch(s, s.client, s.vip),
    forwardActions(s),
    s.idleTimeout,
    FlowModFlags.SEND_FLOW_REM,
  );
}

/** backend:targetPort -> client becomes ClusterIP:port -> client. */
export function reverseFlow(s: SessionSpec): FlowSpec {
  // A little longer than the forward flow: it is removed with it (strict delete on FLOW_REMOVED), and must not
  // expire first on a connection whose replies pause while the client still sends.
  return sessionFlow(s, tupleMatch(s, s.backend, s.client), reverseActions(s), s.idleTimeout + 5, 0);
}

function forwardActions(s: SessionSpec): Action[] {
  const nat = [
    setField({ field: ipField(s.ipVersion, 'dst'), value: s.backend.ip } as OxmField),
    ...(s.backend.port !== s.vip.port
      ? [setField({ field: portField(s.protocol, 'dst'), value: s.backend.port } as OxmField)]
      : []),
  ];
  if (s.snat !== undefined)
    return [
      ...nat,
      setField({ field: 'eth_dst', value: s.snat.hostMac }),
      loadReg(TO_ROUTER, 0),
      ...aliasAndSnat(s.snat.ip, s.domain),
    ];
  return [
    ...(s.backendMac !== undefined
      ? [setField({ field: 'eth_dst', value: s.backendMac }), loadReg(TO_ROUTER, 0)]
      : []),
    setField({ field: ipField(s.ipVersion, 'dst'), value: s.backend.ip } as OxmField),
    ...(s.backend.port !== s.vip.port
      ? [setField({ field: portField(s.protocol, 'dst'), value: s.backend.port } as OxmField)]
      : []),
  ];
}

/** Whether the reverse flow delivers the reply at L2 with the client's MACs (see `clientL2`). */
export function deliversAtL2(
  s: SessionSpec,
): s is SessionSpec & { clientL2: NonNullable<SessionSpec['clientL2']> } {
  return s.clientL2 !== undefined && s.snat === undefined;
}

function reverseActions(s: SessionSpec): Action[] {
  return [
    ...(deliversAtL2(s)
      ? [
          setField({ field: 'eth_src', value: s.clientL2.gatewayMac }),
          setField({ field: 'eth_dst', value: s.clientL2.clientMac }),
          loadReg(TO_ROUTER, 0),
        ]
      : []),
    setField({ field: ipField(s.ipVersion, 'src'), value: s.vip.ip } as OxmField),
    ...(s.backend.port !== s.vip.port
      ? [setField({ field: portField(s.protocol, 'src'), value: s.vip.port } as OxmField)]
      : []),
  ];
}

/** The forward flow built through flow(), which checks it against the table declaration (tests). */
export function checkedForwardFlow(s: SessionSpec): FlowSpec {
  return flow({
    table: 'service_lb',
    priority: Priority.specific,
    cookie: cookie('session', s.backendObjectId),
    match: tupleMatch(s, s.client, s.vip),
    actions: forwardActions(s),
    goto: 'egress_security',
    idleTimeout: s.idleTimeout,
    flags: FlowModFlags.SEND_FLOW_REM,
  });
}

/** The reverse flow built through flow() (tests). */
export function checkedReverseFlow(s: SessionSpec): FlowSpec {
  return flow({
    table: 'service_lb',
    priority: Priority.specific,
    cookie: cookie('session', s.backendObjectId),
    match: tupleMatch(s, s.backend, s.client),
    actions: reverseActions(s),
    goto: 'egress_security',
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

/**
 * The reverse flow of a forward flow reported removed: same table, priority and cookie, strict match. No
 * instructions: a delete ignores them, and the client's MACs in them are not kept per connection.
 */
export function deleteStrict(f: FlowSpec): Omit<FlowMod, 'xid'> {
  return { ...flowMod(f, FlowModCommand.DELETE_STRICT), cookieMask: 0xffffffffffffffffn, instructions: [] };
}
