// Bare-metal endpoints: a server behind a leaf VTEP's physical port, its frames on one VLAN there. The controller
// binds (port, VLAN) to the network's logical switch on the leaf (vtep-desired.ts); the leaf learns the server's MAC.
import type { Network, PhysicalAttachment } from '../model/types';
import type { StoreTx } from '../store/store';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, forbidden, invalid } from './errors';

export interface BareMetalPlacement {
  node?: string;
  vtep?: string;
  port?: string;
  vlan?: number;
}

/** Checks and resolves where a bare-metal endpoint sits. One (port, VLAN) of a leaf carries one network. */
export function placeBareMetal(
  ctx: OpsContext,
  actor: Actor,
  tx: StoreTx,
  network: Network,
  input: BareMetalPlacement,
): PhysicalAttachment {
  // A leaf's ports are the operator's cabling: an admin says which server sits where.
  if (actor.role !== 'admin') throw forbidden('only an admin places bare-metal endpoints behind a leaf');
  if (input.node !== undefined)
    throw invalid(
      'body/node',
      'a baremetal endpoint sits behind a leaf: give vtep, port and vlan instead of node',
    );
  if (input.vtep === undefined)
    throw invalid('body/vtep', 'a baremetal endpoint needs the leaf VTEP it sits behind');
  if (input.port === undefined)
    throw invalid('body/port', "a baremetal endpoint needs the leaf's physical port");
  if (input.vlan === undefined)
    throw invalid(
      'body/vlan',
      'a baremetal endpoint needs the VLAN its frames carry on the port (0: untagged)',
    );
  if (!Number.isInteger(input.vlan) || input.vlan < 0 || input.vlan > 4094)
    throw invalid('body/vlan', `${input.vlan} is not a VLAN: 0 (untagged) to 4094`);
  const vtep = ctx.resolve({ ...actor, role: 'admin' }, 'vtep', input.vtep, 'body/vtep', undefined, tx);
  const { port, vlan } = input;
  const uplink = vtep.uplinks.find((u) => u.port === port);
  if (uplink) {
    const node = tx.get('node', uplink.nodeId);
    throw conflict(
      `port ${port} of ${vtep.name} is the uplink of node ${node?.name ?? uplink.nodeId}; bare metal needs a port of its own`,
      'body/port',
    );
  }
  for (const e of tx.lookup('endpoint', 'node', vtep.id)) {
    const p = e.physical;
    if (p && p.port === port && p.vlan === vlan && e.networkId !== network.id) {
      throw conflict(
        `VLAN ${vlan} on ${vtep.name} port ${port} already carries another network`,
        'body/vlan',
      );
    }
  }
  return { vtepId: vtep.id, port, vlan };
}
