import assert from 'node:assert/strict';
import { CniCode, parseCniArgs, parseCniEnv, type CniEnv } from '../../../protocols/cni/index.js';

const K8S_ARGS =
  'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1';

function parsed(env: Record<string, string>): CniEnv {
  const r = parseCniEnv(env);
  if (!r.ok) assert.fail(`expected ok, got ${r.error.details}`);
  return r.value;
}

function code(env: Record<string, string>): number {
  const r = parseCniEnv(env);
  assert.equal(r.ok, false, 'expected an error');
  return r.ok ? 0 : r.error.code;
}

const add = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/p1', CNI_IFNAME: 'eth0' };

describe('protocols/cni env', () => {
  it('parses an ADD with the Kubernetes CNI_ARGS', () => {
    const env = parsed({ ...add, CNI_ARGS: K8S_ARGS, CNI_PATH: '/opt/cni/bin:/usr/lib/cni' });
    assert.equal(env.command, 'ADD');
    if (env.command !== 'ADD') return;
    assert.deepEqual(env.path, ['/opt/cni/bin', '/usr/lib/cni']);
    assert.equal(env.args.k8sNamespace, 'default');
    assert.equal(env.args.k8sPodName, 'web-0');
    assert.equal(env.args.k8sPodUid, 'u-1');
    assert.deepEqual(env.args.ips, []);
  });

  it('requires CNI_NETNS for ADD and CHECK but not for DEL', () => {
    assert.equal(code({ ...add, CNI_NETNS: '' }), CniCode.InvalidEnv);
    assert.equal(code({ ...add, CNI_COMMAND: 'CHECK', CNI_NETNS: '' }), CniCode.InvalidEnv);
    const del = parsed({ ...add, CNI_COMMAND: 'DEL', CNI_NETNS: '' });
    assert.equal(del.command === 'DEL' && del.netns, undefined);
  });

  it('names every missing variable in one error', () => {
    const r = parseCniEnv({ CNI_COMMAND: 'ADD' });
    assert.ok(!r.ok);
    assert.equal(r.error.code, CniCode.InvalidEnv);
    for (const v of ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_NETNS'])
      assert.match(r.error.details, new RegExp(v));
  });

  it('needs only CNI_COMMAND for VERSION, GC and STATUS', () => {
    assert.equal(parsed({ CNI_COMMAND: 'VERSION' }).command, 'VERSION');
    assert.equal(parsed({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }).command, 'GC');
    assert.equal(parsed({ CNI_COMMAND: 'STATUS' }).command, 'STATUS');
  });

  it('rejects an unknown or missing command with code 4', () => {
    assert.equal(code({}), CniCode.InvalidEnv);
    assert.equal(code({ ...add, CNI_COMMAND: 'UP' }), CniCode.InvalidEnv);
  });

  it('validates the container id', () => {
    assert.equal(code({ ...add, CNI_CONTAINERID: '-x' }), CniCode.InvalidEnv);
    assert.equal(code({ ...add, CNI_CONTAINERID: 'a b' }), CniCode.InvalidEnv);
    assert.equal(parsed({ ...add, CNI_CONTAINERID: 'A9_.-z' }).command, 'ADD');
  });

  for (const bad of ['.', '..', 'a/b', 'a:b', 'a b', 'x'.repeat(16), 'tab\there']) {
    it(`rejects the interface name ${JSON.stringify(bad)}`, () => {
      assert.equal(code({ ...add, CNI_IFNAME: bad }), CniCode.InvalidEnv);
    });
  }

  it('accepts a 15-character interface name', () => {
    assert.equal(parsed({ ...add, CNI_IFNAME: 'x'.repeat(15) }).command, 'ADD');
  });

  it('requires an absolute netns path', () => {
    assert.equal(code({ ...add, CNI_NETNS: 'p1' }), CniCode.InvalidEnv);
  });
});

describe('protocols/cni CNI_ARGS', () => {
  it('refuses unknown keys without IgnoreUnknown, naming them', () => {
    const r = parseCniArgs('K8S_POD_NAME=a;FOO=1');
    assert.ok(!r.ok);
    assert.equal(r.error.code, CniCode.InvalidEnv);
    assert.match(r.error.details, /FOO/);
  });

  it('tolerates unknown keys with IgnoreUnknown=1 or true', () => {
    assert.ok(parseCniArgs('IgnoreUnknown=1;FOO=1').ok);
    assert.ok(parseCniArgs('IgnoreUnknown=true;FOO=1').ok);
    assert.ok(!parseCniArgs('IgnoreUnknown=0;FOO=1').ok);
  });

  it('reads IP= (comma-separated, v4 and v6, normalised) and MAC=', () => {
    const r = parseCniArgs('IP=10.0.0.7,fd00:0::7;MAC=0A:58:0A:00:00:07');
    assert.ok(r.ok);
    assert.deepEqual(r.value.ips, ['10.0.0.7', 'fd00::7']);
    assert.equal(r.value.mac, '0a:58:0a:00:00:07');
  });

  it('rejects a bad IP=, a bad MAC= and a pair without "="', () => {
    assert.ok(!parseCniArgs('IP=10.0.0.300').ok);
    assert.ok(!parseCniArgs('MAC=zz').ok);
    assert.ok(!parseCniArgs('IgnoreUnknown=1;junk').ok);
  });

  it('accepts an empty CNI_ARGS and empty pairs', () => {
    const r = parseCniArgs(';;');
    assert.ok(r.ok);
    assert.equal(r.value.k8sPodName, undefined);
  });
});
