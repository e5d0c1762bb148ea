// `ovs-vsctl` arguments that build on a sandbox the bridge a compiled node wants: the bridge as the reconciler sets
// it up, the tunnel port, and every endpoint as an internal port at its pinned ofport. For tests that load a
// compiled pipeline into a real ovs-vswitchd without the reconciler.
import type { PortsWanted } from '../../controller/pipeline/compile.js';

export function compiledBridgeArgs(p: PortsWanted): string[] {
  return [
    'add-br',
    p.bridge.name,
    '--',
    'set',
    'bridge',
    p.bridge.name,
    `datapath_type=${p.bridge.datapathType}`,
    'protocols=OpenFlow13',
    `fail_mode=${p.bridge.failMode}`,
    `other_config:hwaddr=${p.bridge.hwaddr}`,
    '--',
    'add-port',
    p.bridge.name,
    p.tunnel.name,
    '--',
    'set',
    'interface',
    p.tunnel.name,
    `type=${p.tunnel.type}`,
    ...Object.entries(p.tunnel.options ?? {}).map(([k, v]) => `options:${k}=${v}`),
    `ofport_request=${p.tunnel.ofportRequest}`,
    ...p.endpoints.flatMap((e) => [
      '--',
      'add-port',
      p.bridge.name,
      e.name,
      '--',
      'set',
      'interface',
      e.name,
      'type=internal',
      `ofport_request=${e.ofportRequest}`,
    ]),
  ];
}
