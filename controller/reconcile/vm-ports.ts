// VM endpoints: a hypervisor (libvirt, nova) plugs the VM's port into the node's bridge itself and names the
// endpoint in external_ids:iface-id. The controller never creates or removes such a port; the endpoint is bound (it
// gets flows on its node) while a port with its id is on the bridge, with the ofport the switch gave that port.
import type { ChangeBatch, VSwitchDriver } from '../../southbound/ovsdb/index.js';
import type { Endpoint, Id } from '../model/types.js';

export const IFACE_ID = 'iface-id';

/** The node's endpoints as the switch sees them: VMs with their plugged port and ofport, unplugged VMs left out. */
export function bindVmEndpoints(
  endpoints: readonly Endpoint[],
  nodeId: Id,
  driver: VSwitchDriver,
): Endpoint[] {
  const plugged = new Map<string, { name: string; ofport: number }>();
  for (const i of driver.client.replica.rows('Interface')) {
    const id = i.external_ids.get(IFACE_ID);
    const ofport = i.ofport[0];
    if (id !== undefined && ofport !== undefined && ofport > 0) plugged.set(id, { name: i.name, ofport });
  }
  const out: Endpoint[] = [];
  for (const ep of endpoints) {
    if (ep.kind !== 'vm' || ep.nodeId !== nodeId) {
      out.push(ep);
      continue;
    }
    const port = plugged.get(ep.id);
    if (port) out.push({ ...ep, portName: port.name, ofport: port.ofport });
  }
  return out;
}

/** Whether an OVSDB change batch can plug or unplug a VM (any Interface row change). */
export function interfacesChanged(batch: ChangeBatch): boolean {
  return batch.changes.some((c) => c.table === 'Interface');
}
