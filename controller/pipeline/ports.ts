// Port numbers and names the pipeline relies on, named once.

/** OFPP_LOCAL: the bridge's own interface, the node's host stack. */
export const LOCAL_PORT = 0xfffffffe;
/**
 * OFPP_LOCAL as a value for OUT_PORT: Open vSwitch reads output:NXM_NX_REGn[] as a 16-bit OpenFlow 1.0 port number,
 * where LOCAL is 0xfffe (a 32-bit 0xfffffffe is "out of range" and the packet is dropped).
 */
export const LOCAL_PORT_REG = 0xfffe;
/** OFPP_IN_PORT: send back out of the port the packet came in on. */
export const IN_PORT = 0xfffffff8;
/** OFPP_CONTROLLER. */
export const CONTROLLER_PORT = 0xfffffffd;

/**
 * ofport_request of the flow-based VXLAN port and of the network-overlay uplink: one source, the vSwitch profiles
 * (southbound), which every profile shares. Port names, tunnel options and the bridge come from the node's profile.
 */
export { TUNNEL_OFPORT, UPLINK_OFPORT } from '../../protocols/ovsdb/vswitch-profiles.js';
import { TUNNEL_OFPORT } from '../../protocols/ovsdb/vswitch-profiles.js';
/** The integration bridge of the `ovs` profile (compile output names the node profile's own). */
export const BRIDGE_NAME = 'br-int';
/** The first ofport handed to endpoints that have none yet. */
export const FIRST_ENDPOINT_OFPORT = 1;
export const LAST_ENDPOINT_OFPORT = TUNNEL_OFPORT - 1;
