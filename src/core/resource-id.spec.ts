import { normaliseId } from './resource-id';

describe('normaliseId', () => {
  it('gives the stored, lower-case form of a UUID in any letter case', () => {
    const id = '3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b';
    expect(normaliseId(id)).toBe(id);
    expect(normaliseId(id.toUpperCase())).toBe(id);
    expect(normaliseId('3F2B8c1e-9D4a-4E6f-8A7b-1c2D3e4F5a6B')).toBe(id);
    // Any UUID form names a row that may exist, whatever its version bits.
    expect(normaliseId('00000000-0000-0000-0000-000000000000')).toBe(
      '00000000-0000-0000-0000-000000000000',
    );
  });

  it.each([
    ['not a UUID', 'not-a-uuid'],
    ['a UUID without hyphens', '3f2b8c1e9d4a4e6f8a7b1c2d3e4f5a6b'],
    ['a UUID in braces', '{3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b}'],
    ['a UUID with spaces', ' 3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b'],
    ['a UUID and a path', '3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b/../x'],
    ['a UUID then a line break', '3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b\n'],
    ['a non-hex letter', '3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6g'],
    ['a number', 42],
    ['null', null],
  ])('refuses %s', (_name, raw) => {
    expect(normaliseId(raw)).toBeNull();
  });
});
