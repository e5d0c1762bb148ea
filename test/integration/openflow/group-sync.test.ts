// Group sync against a real userspace ovs-vswitchd: groups of every type go in once; a new session (a controller
// restart) reads them back and sends nothing for equal groups, whatever header OVS reports a set_field with.
import assert from 'node:assert/strict';
import { GroupType, type Bucket } from '../../../protocols/openflow13/index.js';
import {
  GroupSync,
  OpenFlowServer,
  type GroupEntry,
  type SwitchSession,
} from '../../../southbound/openflow/index.js';
import { captureLog } from '../../support/log-capture.js';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs.js';

const DPID = '00000000000000a7';
const ANY = 0xffffffff;
const bucket = (actions: Bucket['actions'], extra: Partial<Bucket> = {}): Bucket => ({
  weight: 0,
  watchPort: ANY,
  watchGroup: ANY,
  actions,
  ...extra,
});

/** A flood group as the pipeline builds it: local ports, then one VXLAN copy per remote VTEP (NXM tun_id). */
const flood = (id: number, vteps: readonly string[]): GroupEntry => ({
  groupId: id,
  groupType: GroupType.ALL,
  buckets: [
    bucket([{ type: 'output', port: 1, maxLen: 0 }]),
    ...vteps.map((ip) =>
      bucket([
        { type: 'setField', field: { field: 'tun_id', value: 0x1234n } },
        { type: 'setField', field: { field: 'tun_ipv4_dst', value: ip } },
        { type: 'output', port: 2, maxLen: 0 },
      ]),
    ),
  ],
});

const WANTED: readonly GroupEntry[] = [
  flood(1, ['10.99.0.2', '10.99.0.3']),
  {
    groupId: 2,
    groupType: GroupType.SELECT,
    buckets: [
      bucket(
        [
          { type: 'setField', field: { field: 'eth_dst_nxm', value: '02:00:00:00:00:01' } },
          { type: 'output', port: 1, maxLen: 0 },
        ],
        { weight: 3 },
      ),
      bucket(
        [
          // Legacy NXM headers: one OVS reports back as its OXM twin, one it reports as it came (another field).
          { type: 'setField', field: { field: 'ipv4_dst_nxm', value: '10.1.2.3' } },
          { type: 'setField', field: { field: 'ip_dscp_nxm', value: 0x28 } },
          { type: 'output', port: 2, maxLen: 0 },
        ],
        { weight: 1 },
      ),
    ],
  },
  { groupId: 3, groupType: GroupType.INDIRECT, buckets: [bucket([{ type: 'output', port: 1, maxLen: 0 }])] },
  {
    groupId: 4,
    groupType: GroupType.FF,
    buckets: [
      bucket([{ type: 'output', port: 1, maxLen: 0 }], { watchPort: 1 }),
      bucket([{ type: 'output', port: 2, maxLen: 0 }], { watchPort: 2 }),
    ],
  },
];

describe('integration: OpenFlow group sync with real Open vSwitch', function () {
  this.timeout(60_000);
  let box: OvsSandbox;
  const { log } = captureLog();
  let server: OpenFlowServer;

  const connect = async (): Promise<SwitchSession> => server.connect(box.mgmt('br-int'));
  const dumpGroups = async (): Promise<string[]> =>
    (await box.ofctl('-O', 'OpenFlow13', 'dump-groups', box.mgmt('br-int')))
      .split('\n')
      .filter((l) => l.includes('group_id='))
      .map((l) => l.trim())
      .sort();

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    await box.addBridge('br-int', `other_config:datapath-id=${DPID}`);
    server = new OpenFlowServer({ log, echoIntervalMs: 1000 });
  });
  after(async () => {
    await server?.close();
    await box?.stop();
  });

  it('adds every group once; a second put sends nothing', async () => {
    const sync = new GroupSync(await connect());
    assert.equal(await sync.put(WANTED), 4);
    assert.equal(await sync.put(WANTED), 0);
    const groups = await dumpGroups();
    assert.equal(groups.length, 4, groups.join('\n'));
    assert.match(
      groups[0]!,
      /group_id=1,type=all,.*set_field:0x1234->tun_id,set_field:10\.99\.0\.2->tun_dst/,
    );
  });

  it('a new session reads the groups back and sends nothing for equal ones (a controller restart)', async () => {
    const session = await connect();
    const sync = new GroupSync(session);
    assert.equal(await sync.put(WANTED), 0, 'no GROUP_MOD for groups the switch already has');
    assert.equal(await sync.prune(WANTED), 0);
    assert.equal(sync.tracked?.size, 4);
  });

  it('modifies only the changed group, then prunes the unwanted one', async () => {
    const sync = new GroupSync(await connect());
    const changed = [flood(1, ['10.99.0.2']), ...WANTED.slice(1, 3)];
    assert.equal(await sync.put(changed), 1, 'one MODIFY');
    assert.equal(await sync.prune(changed), 1, 'one DELETE (group 4)');
    const groups = await dumpGroups();
    assert.equal(groups.length, 3);
    assert.ok(!groups[0]!.includes('10.99.0.3'), groups[0]);
    assert.ok(!groups.some((g) => g.includes('group_id=4')));
    assert.equal(await new GroupSync(await connect()).put(changed), 0, 'and a later session agrees');
  });
});
