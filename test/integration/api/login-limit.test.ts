// Failed logins are rate-limited per client address: 20 bad tokens within a minute and that address gets 429 with
// Retry-After, even with a good token, until the window passes; other addresses and good tokens are not counted.
import assert from 'node:assert/strict';
import { FailedLoginLimiter } from '../../../northbound/api/login-limit';
import { TestApi } from '../../support/api';

describe('api: failed-login rate limit', () => {
  let api: TestApi;
  before(async () => (api = await new TestApi().start()));
  after(async () => {
    await api.app.close();
    api.model.dispose();
  });

  const get = (ip: string, token: string) =>
    api.app.inject({
      method: 'GET',
      url: '/api/v1/tenants',
      remoteAddress: ip,
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers 429 with Retry-After after 20 bad tokens from one address, and only to that address', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await get('192.0.2.7', `wrong-${i}`)).statusCode, 401);
    const blocked = await get('192.0.2.7', api.admin);
    assert.equal(blocked.statusCode, 429, blocked.body);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.match(
      JSON.parse(blocked.body).detail as string,
      /too many requests with an invalid token from 192\.0\.2\.7/,
    );
    assert.equal((await get('192.0.2.8', api.admin)).statusCode, 200, 'another address is not limited');
  });

  it('does not count good tokens', async () => {
    for (let i = 0; i < 50; i++) assert.equal((await get('192.0.2.9', api.admin)).statusCode, 200);
  });

  it('lets an address try again once its failures leave the window', () => {
    let now = 0;
    const l = new FailedLoginLimiter({ failures: 3, windowMs: 1000, now: () => now });
    for (let i = 0; i < 3; i++) {
      l.fail('a');
      now += 100;
    }
    assert.equal(l.retryAfterMs('a'), 700);
    assert.equal(l.retryAfterMs('b'), 0);
    now = 1001;
    assert.equal(l.retryAfterMs('a'), 0);
  });

  it('forgets the least recently failing address beyond maxClients', () => {
    const l = new FailedLoginLimiter({ failures: 1, windowMs: 1000, maxClients: 2, now: () => 0 });
    l.fail('a');
    l.fail('b');
    l.fail('c');
    assert.equal(l.retryAfterMs('a'), 0);
    assert.equal(l.retryAfterMs('c'), 1000);
  });
});
