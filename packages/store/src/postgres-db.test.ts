import { describe, expect, it } from 'vitest';
import { withSearchPath } from './postgres-db.ts';

describe('withSearchPath', () => {
  it('adds search_path to the startup options, keeping options already in the URL', () => {
    const plain = new URL(withSearchPath('postgres://u@db:5432/hub', 'store_a'));
    expect(plain.searchParams.get('options')).toBe('-c search_path=store_a');
    const merged = new URL(withSearchPath('postgresql://u@db/hub?options=-c%20statement_timeout%3D5000&sslmode=require', 'public'));
    expect(merged.searchParams.get('options')).toBe('-c statement_timeout=5000 -c search_path=public');
    expect(merged.searchParams.get('sslmode')).toBe('require');
  });

  it('refuses schema names that would need quoting, and non-URL connection strings', () => {
    expect(() => withSearchPath('postgres://u@db/hub', 'Bad Schema')).toThrow(TypeError);
    expect(() => withSearchPath('postgres://u@db/hub', 'a;b')).toThrow(TypeError);
    expect(() => withSearchPath('host=db dbname=hub', 'public')).toThrow(/postgres:\/\//);
  });
});
