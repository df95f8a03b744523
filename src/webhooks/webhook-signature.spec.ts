import { createHmac } from 'node:crypto';
import { signPayload, verifySignature } from './webhook-signature';

describe('webhook signature', () => {
  const body = JSON.stringify({ event: 'task.succeeded', task: { id: 'x' } });

  it('is sha256= and the hex HMAC of timestamp.body', () => {
    const expected = createHmac('sha256', 'secret').update(`1700000000.${body}`).digest('hex');
    expect(signPayload('secret', '1700000000', body)).toBe(`sha256=${expected}`);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies its own signature and refuses a changed body, timestamp or secret', () => {
    const signature = signPayload('secret', '1700000000', body);
    expect(verifySignature('secret', '1700000000', body, signature)).toBe(true);
    expect(verifySignature('secret', '1700000000', `${body} `, signature)).toBe(false);
    expect(verifySignature('secret', '1700000001', body, signature)).toBe(false);
    expect(verifySignature('other', '1700000000', body, signature)).toBe(false);
    expect(verifySignature('secret', '1700000000', body, 'sha256=00')).toBe(false);
  });
});
