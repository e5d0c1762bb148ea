// OVSDB target strings as ovs-vsctl writes them.
import assert from 'node:assert/strict';
import { formatTarget, parseTarget } from '../../../southbound/ovsdb/target';

describe('unit: ovsdb targets', () => {
  it('parses active and passive targets, with the IANA port by default', () => {
    assert.deepEqual(parseTarget('tcp:10.0.0.1:6641'), { kind: 'tcp', host: '10.0.0.1', port: 6641 });
    assert.deepEqual(parseTarget('tcp:10.0.0.1'), { kind: 'tcp', host: '10.0.0.1', port: 6640 });
    assert.deepEqual(parseTarget('ssl:[::1]:6640'), { kind: 'ssl', host: '::1', port: 6640 });
    assert.deepEqual(parseTarget('unix:/run/openvswitch/db.sock'), {
      kind: 'unix',
      path: '/run/openvswitch/db.sock',
    });
    assert.deepEqual(parseTarget('ptcp:6640'), { kind: 'ptcp', host: '0.0.0.0', port: 6640 });
    assert.deepEqual(parseTarget('ptcp:0:127.0.0.1'), { kind: 'ptcp', host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseTarget('pssl:6640:[::]'), { kind: 'pssl', host: '::', port: 6640 });
  });

  it('formats back to the same text', () => {
    for (const t of ['tcp:10.0.0.1:6641', 'ssl:[::1]:6640', 'unix:/x/db.sock', 'ptcp:6640:127.0.0.1']) {
      assert.equal(formatTarget(parseTarget(t)), t);
    }
  });

  it('says what is wrong with a bad target', () => {
    assert.throws(() => parseTarget('http://x'), /unknown OVSDB target "http:\/\/x" \(use tcp:HOST:PORT/);
    assert.throws(() => parseTarget('tcp:1.2.3.4:99999'), /bad port "99999"/);
    assert.throws(() => parseTarget('unix:'), /unix: target needs a path/);
  });
});
