import { AuthenticatedRequest, OPEN_PRINCIPAL, Principal } from '../auth/principal';
import { clientKey } from './client-key';

const request = (principal: Principal | undefined, ip = '10.0.0.7'): AuthenticatedRequest =>
  ({ principal, ip, socket: { remoteAddress: ip } }) as unknown as AuthenticatedRequest;

describe('clientKey', () => {
  it('counts a stored key by its id, wherever its requests come from', () => {
    const principal: Principal = {
      keyId: 'k1',
      name: 'ci',
      role: 'operator',
      project: 'billing',
      via: 'key',
    };
    expect(clientKey(request(principal, '10.0.0.1'))).toBe('key:k1');
    expect(clientKey(request(principal, '10.0.0.2'))).toBe('key:k1');
  });

  it('counts the admin key by name, and open mode and unauthenticated routes by address', () => {
    const admin: Principal = {
      keyId: null,
      name: 'ADMIN_API_KEY',
      role: 'admin',
      project: '*',
      via: 'key',
    };
    expect(clientKey(request(admin))).toBe('key:ADMIN_API_KEY');
    expect(clientKey(request(OPEN_PRINCIPAL, '10.0.0.9'))).toBe('address:10.0.0.9');
    expect(clientKey(request(undefined, '10.0.0.3'))).toBe('address:10.0.0.3');
  });
});
