// The lab's plan: names, addresses and limits decided once, as OVS-LAB.md's verified topology has them.
import assert from 'node:assert/strict';
import {
  isLabNamespace,
  planLab,
  validateOptions,
  type LabOptions,
} from '../../../northbound/cli/lab/layout';
import { nodeRegistration } from '../../../northbound/cli/lab/register';

const base: LabOptions = {
  dir: '/tmp/lab',
  prefix: 'sdnlab',
  nodes: 2,
  podsPerNode: 3,
  tenants: 2,
  controller: null,
  ovsdbPortBase: 16640,
};
const withController: LabOptions = {
  ...base,
  controller: {
    api: 'http://127.0.0.1:8080',
    tokenFile: '/data/admin.token',
    openflow: { host: '127.0.0.1', port: 6653 },
    agentMain: '/x/main.js',
    cniPlugin: '/x/sdn-cni',
    subnet4: '10.244.0.0/16',
    subnet6: 'fd00:10:244::/64',
    waitConnectedMs: 0,
  },
};

describe('unit: lab plan', () => {
  it('names every node, its namespace, sockets, underlay address and DPID', () => {
    const [n1, n2] = planLab(base).nodes;
    assert.deepEqual(n1, {
      name: 'n1',
      index: 1,
      netns: 'sdnlab-n1',
      dir: '/tmp/lab/n1',
      dbSocket: '/tmp/lab/n1/db.sock',
      ovsdbPort: 16641,
      tunnelIp: '10.99.0.1',
      brPhyMac: '02:00:0a:63:00:01',
      dpid: '0000000000000001',
      ofSocket: '/tmp/lab/n1/of.sock',
      agentSocket: '/tmp/lab/n1/agent.sock',
      overlay: 'host',
      uplink: 'eth-ul',
      underlayPort: 'ul-n1',
    });
    assert.equal(n2.brPhyMac, '02:00:0a:63:00:02');
    assert.equal(planLab({ ...base, nodes: 200 }).nodes[199].brPhyMac, '02:00:0a:63:00:c8');
  });

  it('gives bare pods fixed addresses and no tenant', () => {
    const pods = planLab(base).pods;
    assert.equal(pods.length, 6);
    assert.deepEqual(
      pods.map((p) => [p.name, p.netns, p.hostIf, p.mac, p.ipv4, p.ipv6, p.tenant]),
      [
        ['n1-p1', 'sdnlab-n1-p1', 'pod1', '02:00:0a:f4:01:01', '10.244.1.1', 'fd00:10:244::1:1', null],
        ['n1-p2', 'sdnlab-n1-p2', 'pod2', '02:00:0a:f4:01:02', '10.244.1.2', 'fd00:10:244::1:2', null],
        ['n1-p3', 'sdnlab-n1-p3', 'pod3', '02:00:0a:f4:01:03', '10.244.1.3', 'fd00:10:244::1:3', null],
        ['n2-p1', 'sdnlab-n2-p1', 'pod1', '02:00:0a:f4:02:01', '10.244.2.1', 'fd00:10:244::2:1', null],
        ['n2-p2', 'sdnlab-n2-p2', 'pod2', '02:00:0a:f4:02:02', '10.244.2.2', 'fd00:10:244::2:2', null],
        ['n2-p3', 'sdnlab-n2-p3', 'pod3', '02:00:0a:f4:02:03', '10.244.2.3', 'fd00:10:244::2:3', null],
      ],
    );
  });

  it('spreads pods over the tenants round-robin on every node', () => {
    const plan = planLab(withController);
    assert.deepEqual(
      plan.tenants.map((t) => [t.name, t.network, t.namespace]),
      [
        ['tenant-1', 'pods', 'tenant-1'],
        ['tenant-2', 'pods', 'tenant-2'],
      ],
    );
    assert.deepEqual(
      plan.pods.map((p) => `${p.name}:${p.tenant}`),
      [
        'n1-p1:tenant-1',
        'n1-p2:tenant-2',
        'n1-p3:tenant-1',
        'n2-p1:tenant-1',
        'n2-p2:tenant-2',
        'n2-p3:tenant-1',
      ],
    );
  });

  it('registers a node with its OVSDB TCP port and the unix controller target inside its rundir', () => {
    assert.deepEqual(nodeRegistration(planLab(withController).nodes[1]), {
      name: 'n2',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '10.99.0.2',
      ovsdb: 'tcp:127.0.0.1:16642',
      controllerTarget: 'unix:/tmp/lab/n2/of.sock',
      datapathId: '0000000000000002',
      datapathType: 'netdev',
    });
  });

  it('rejects counts and prefixes it cannot build, saying what to fix', () => {
    assert.equal(validateOptions(base), null);
    assert.match(validateOptions({ ...base, nodes: 0 }) ?? '', /--nodes must be an integer from 1 to 200/);
    assert.match(
      validateOptions({ ...base, podsPerNode: 100 }) ?? '',
      /--pods .* 0 to 99 with --no-controller/,
    );
    assert.equal(validateOptions({ ...withController, podsPerNode: 100 }), null);
    assert.match(validateOptions({ ...base, tenants: 0 }) ?? '', /--tenants/);
    assert.match(validateOptions({ ...base, prefix: 'Bad-Prefix' }) ?? '', /--prefix/);
  });

  it('claims only its own namespaces, never the test sandboxes', () => {
    assert.ok(isLabNamespace('sdnlab', 'sdnlab-n1-p1'));
    assert.ok(isLabNamespace('sdnlab', 'sdnlab-ul'));
    assert.ok(!isLabNamespace('sdnlab', 'sdnlab2-n1'));
    assert.ok(!isLabNamespace('sdnlab', 'sdnt-1234-1'));
  });
});
