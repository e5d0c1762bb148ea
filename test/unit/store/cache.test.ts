import assert from 'node:assert/strict';
import { ModelCache } from '../../../controller/model/cache';
import type { Endpoint } from '../../../controller/model/types';

const ep = (id: string, networkId: string, nodeId: string): Endpoint => ({
  id,
  networkId,
  nodeId,
  tenantId: 't',
  kind: 'pod',
  name: id,
  mac: `0a:58:00:00:00:${id.slice(-2)}`,
  ips: [],
  securityGroupIds: [],
  createdAt: '',
});

describe('store: ModelCache indexes', () => {
  it('keeps keyed and group indexes through put, replace and remove', () => {
    const c = new ModelCache();
    c.put('endpoint', ep('e01', 'n1', 'h1'));
    c.put('endpoint', ep('e02', 'n1', 'h1'));
    c.put('endpoint', ep('e03', 'n1', 'h2'));
    assert.deepEqual([...c.members('endpoint', 'nodesOfNetwork', 'n1')].sort(), ['h1', 'h2']);
    assert.equal(c.countUnder('endpoint', 'network', 'n1'), 3);
    c.put('endpoint', ep('e03', 'n2', 'h2')); // moved to another network
    assert.deepEqual([...c.members('endpoint', 'nodesOfNetwork', 'n1')], ['h1']);
    assert.deepEqual([...c.members('endpoint', 'nodesOfNetwork', 'n2')], ['h2']);
    c.remove('endpoint', 'e01');
    assert.deepEqual([...c.members('endpoint', 'nodesOfNetwork', 'n1')], ['h1']);
    c.remove('endpoint', 'e02');
    assert.deepEqual([...c.members('endpoint', 'nodesOfNetwork', 'n1')], []);
    assert.equal(c.countUnder('endpoint', 'network', 'n1'), 0);
  });

  it('lists in id order even when an older id comes back (a rolled-back delete)', () => {
    const c = new ModelCache();
    for (const id of ['e01', 'e02', 'e03']) c.put('endpoint', ep(id, 'n', 'h'));
    const e02 = c.remove('endpoint', 'e02');
    c.put('endpoint', e02 as Endpoint);
    assert.deepEqual(
      [...c.all('endpoint')].map((e) => e.id),
      ['e01', 'e02', 'e03'],
    );
  });
});
