import { canSteerQueues, type Session } from './types';

const session = (overrides: Partial<Session>): Session => ({
  auth_mode: 'keys',
  key_id: 'k',
  name: 'someone',
  role: 'operator',
  project: '*',
  ...overrides,
});

describe('canSteerQueues', () => {
  it('lets an operator or admin of every project pause and resume', () => {
    expect(canSteerQueues(session({ role: 'operator', project: '*' }))).toBe(true);
    expect(canSteerQueues(session({ role: 'admin', project: '*' }))).toBe(true);
  });

  it('keeps the buttons from keys of one project, even an admin: the queue is everyone’s', () => {
    expect(canSteerQueues(session({ role: 'admin', project: 'alpha' }))).toBe(false);
    expect(canSteerQueues(session({ role: 'operator', project: 'alpha' }))).toBe(false);
  });

  it('keeps them from a viewer of every project', () => {
    expect(canSteerQueues(session({ role: 'viewer', project: '*' }))).toBe(false);
  });

  it('shows them in open mode, where everyone is the admin', () => {
    expect(
      canSteerQueues(
        session({ auth_mode: 'open', key_id: null, role: 'admin', project: 'default' }),
      ),
    ).toBe(true);
  });
});
