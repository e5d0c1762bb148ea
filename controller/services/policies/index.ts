import type { ConnectionCounts } from '../connections.js';
import type { LbPolicy } from '../types.js';
import { LeastConnectionsPicker } from './least-connections.js';
import type { BackendPicker } from './picker.js';
import { RoundRobinPicker } from './round-robin.js';
import { SourceIpHashPicker } from './source-ip-hash.js';
import { WeightedPicker } from './weighted.js';

export type { BackendPicker } from './picker.js';
export { LeastConnectionsPicker, RoundRobinPicker, SourceIpHashPicker, WeightedPicker };

export function createPicker(policy: LbPolicy, connections: ConnectionCounts): BackendPicker {
  switch (policy) {
    case 'round-robin':
      return new RoundRobinPicker();
    case 'least-connections':
      return new LeastConnectionsPicker(connections);
    case 'source-ip-hash':
      return new SourceIpHashPicker();
    case 'weighted':
      return new WeightedPicker();
  }
}
