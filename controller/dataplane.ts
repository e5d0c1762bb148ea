// The hook between the model and the switches. The reconciler implements it: attach the endpoint's port over OVSDB,
// install its flows, and resolve once a barrier confirms them, so a CNI ADD returns only when the pod can talk.
import type { Endpoint, Id } from './model/types';

export interface DataplaneStatus {
  readonly ready: boolean;
  /** Why not, when not ready. */
  readonly detail?: string;
}

export interface Dataplane {
  /**
   * `created`: the endpoint was just created and its change event is still to come; the call then also waits for
   * the runs that event starts on the other nodes (tunnel, ARP and flood flows towards the pod), so that the pod
   * can talk to its whole network once the ADD returns.
   */
  endpointAttached(ep: Endpoint, created?: boolean): Promise<void>;
  endpointDetached(ep: Endpoint): Promise<void>;
  nodeStatus(nodeId: Id): DataplaneStatus;
}

/**
 * No switch behind the model: every hook resolves at once. main.ts wires this until the reconciler exists; with it a
 * CNI ADD returns as soon as the model is committed, without any flow on any switch.
 */
export const modelOnlyDataplane: Dataplane = {
  endpointAttached: async () => undefined,
  endpointDetached: async () => undefined,
  nodeStatus: () => ({ ready: true }),
};
