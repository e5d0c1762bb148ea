// --tls-key/--tls-cert/--tls-ca and their SDN_TLS_* variables: both halves of a key pair or neither, a CA only with
// them, flags over the environment, and no TLS at all unless configured.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../controller/config';

const argv = (...a: string[]) => ['node', 'sdn-controller', ...a];

describe('controller config: TLS options', () => {
  it('is plain text unless configured', () => {
    assert.equal(parseConfig(argv(), {}).tls, undefined);
  });

  it('takes key, cert and CA from flags, and flags win over the environment', () => {
    const c = parseConfig(argv('--tls-key', 'k.pem', '--tls-cert', 'c.pem'), {
      SDN_TLS_KEY: 'env.key',
      SDN_TLS_CA: 'ca.pem',
    });
    assert.deepEqual(c.tls, { key: 'k.pem', cert: 'c.pem', ca: 'ca.pem' });
  });

  it('takes them from the environment', () => {
    const c = parseConfig(argv(), { SDN_TLS_KEY: 'k', SDN_TLS_CERT: 'c' });
    assert.deepEqual(c.tls, { key: 'k', cert: 'c' });
  });

  it('refuses half a key pair, and a CA without one, saying what is missing', () => {
    assert.throws(() => parseConfig(argv('--tls-key', 'k'), {}), /--tls-key and --tls-cert go together/);
    assert.throws(() => parseConfig(argv(), { SDN_TLS_CERT: 'c' }), /go together/);
    assert.throws(() => parseConfig(argv('--tls-ca', 'ca'), {}), /--tls-ca needs --tls-key/);
  });
});
