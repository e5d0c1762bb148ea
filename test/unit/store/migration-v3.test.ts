// Migration 3 (bare-metal endpoints): endpoints.node_id becomes optional beside a new vtep_id. A store written by a
// controller at schema 2 upgrades in place, keeps every endpoint with its addresses and security groups, and still
// refuses dangling references afterwards.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { SYSTEM } from '../../../controller/ops/actor';
import { createEndpoint, deleteEndpoint } from '../../../controller/ops/endpoints';
import { createNode } from '../../../controller/ops/nodes';
import { createSecurityGroup } from '../../../controller/ops/policy';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy';
import { createVtep, deleteVtep } from '../../../controller/ops/vteps';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../controller/store/migrations';
import { TempModel } from '../../support/model';

/** The endpoints table exactly as migration 1 made it (schema 2 has it unchanged). */
function endpointsV1(): string {
  const sql = MIGRATIONS[0].sql;
  const start = sql.indexOf('CREATE TABLE endpoints (');
  const end = sql.indexOf('CREATE INDEX endpoints_node ON endpoints(node_id);');
  return sql.slice(start, end) + 'CREATE INDEX endpoints_node ON endpoints(node_id);';
}

describe('store: migration 3 (bare-metal endpoints)', () => {
  let m: TempModel;
  beforeEach(() => (m = new TempModel()));
  afterEach(() => m.dispose());

  it('upgrades a schema-2 store in place, keeping endpoints, addresses and security groups', () => {
    createTenant(m.ctx, SYSTEM, { name: 'acme' });
    const net = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name: 'web' });
    createSubnet(m.ctx, SYSTEM, { network: net.id, cidr: '10.0.0.0/24' });
    createNode(m.ctx, SYSTEM, {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
    const sg = createSecurityGroup(m.ctx, SYSTEM, { tenant: 'acme', name: 'sg' });
    const a = createEndpoint(m.ctx, SYSTEM, {
      network: 'web',
      kind: 'vm',
      node: 'n1',
      name: 'a',
      securityGroups: [sg.id],
    });
    m.store.close();

    // Turn the file back into what a schema-2 controller left: the old endpoints table, user_version 2.
    const db = new Database(m.file);
    db.pragma('foreign_keys = OFF');
    db.exec(`ALTER TABLE endpoints RENAME TO endpoints_v3;
      ${endpointsV1().replace('CREATE INDEX endpoints_node', 'DROP INDEX IF EXISTS endpoints_node; CREATE INDEX endpoints_node')}
      INSERT INTO endpoints SELECT id, network_id, node_id, qos_policy_id, name, mac, container_id, ifname, doc FROM endpoints_v3;
      DROP TABLE endpoints_v3;`);
    db.pragma('user_version = 2');
    assert.equal(
      (
        db
          .prepare("SELECT count(*) AS n FROM pragma_table_info('endpoints') WHERE name = 'vtep_id'")
          .get() as { n: number }
      ).n,
      0,
    );
    db.close();

    m.reopen();
    assert.equal(m.store.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(m.store.get('endpoint', a.id), a);
    const raw = new Database(m.file, { readonly: true });
    const cols = (
      raw.prepare('SELECT name, "notnull" FROM pragma_table_info(\'endpoints\')').all() as {
        name: string;
        notnull: number;
      }[]
    ).map((c) => `${c.name}:${c.notnull}`);
    assert.ok(cols.includes('node_id:0') && cols.includes('vtep_id:0'), cols.join(' '));
    assert.equal(
      (
        raw.prepare('SELECT count(*) AS n FROM endpoint_security_groups WHERE endpoint_id = ?').get(a.id) as {
          n: number;
        }
      ).n,
      1,
      'the security group membership survived the table rebuild (no cascade)',
    );
    // References into the rebuilt table still hold: a membership of an unknown endpoint is refused.
    raw.close();
    const rw = new Database(m.file);
    rw.pragma('foreign_keys = ON');
    assert.throws(
      () =>
        rw
          .prepare("INSERT INTO endpoint_security_groups (endpoint_id, security_group_id) VALUES ('nope', ?)")
          .run(sg.id),
      /FOREIGN KEY/,
    );
    rw.close();

    // And the upgraded store takes a bare-metal endpoint, behind a leaf that then cannot go while it is there.
    const leaf = createVtep(m.ctx, SYSTEM, {
      name: 'leaf1',
      ovsdb: 'tcp:127.0.0.1:1',
      tunnelIp: '192.0.2.9',
    });
    const bm = createEndpoint(m.ctx, SYSTEM, {
      network: 'web',
      kind: 'baremetal',
      vtep: 'leaf1',
      port: 'p3',
      vlan: 10,
      name: 'bm1',
    });
    assert.deepEqual(bm.physical, { vtepId: leaf.id, port: 'p3', vlan: 10 });
    m.reopen();
    assert.deepEqual(m.store.get('endpoint', bm.id), bm);
    assert.throws(() => deleteVtep(m.ctx, SYSTEM, 'leaf1'), /bare-metal endpoints sit behind/);
    deleteEndpoint(m.ctx, SYSTEM, bm.id);
    deleteVtep(m.ctx, SYSTEM, 'leaf1');
  });
});
