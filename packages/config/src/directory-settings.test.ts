import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_DIRECTORY_FILE, loadSettings } from './settings.ts';

describe('directory settings', () => {
  it('defaults: demo mode uses the demo file, refresh every 360 minutes, snapshot under the data dir', () => {
    const problems: string[] = [];
    const s = loadSettings({ HUB_DATA_DIR: '/var/hub' }, problems);
    expect(problems).toEqual([]);
    expect(s).toMatchObject({ directoryUrl: undefined, directoryRefreshMinutes: 360, directorySnapshotFile: path.resolve('/var/hub/directory.snapshot.json'), directoryDemoFile: DEMO_DIRECTORY_FILE });
  });

  it('a URL replaces the demo file; bad values are problems that never quote the URL', () => {
    const ok: string[] = [];
    expect(loadSettings({ HUB_DIRECTORY_URL: 'https://dir.example.org/services', HUB_DIRECTORY_REFRESH_MINUTES: '15' }, ok)).toMatchObject({ directoryUrl: 'https://dir.example.org/services', directoryRefreshMinutes: 15, directoryDemoFile: undefined });
    expect(ok).toEqual([]);
    const bad: string[] = [];
    loadSettings({ HUB_MODE: 'production', HUB_MASTER_KEYS: 'k1:nBjdh/zMiVy2FsCUi54+j6Hp0cy/2hdZ4svY3ctT3K0=', HUB_DIRECTORY_URL: 'http://dir.example.org/?key=SECRET', HUB_DIRECTORY_REFRESH_MINUTES: '0' }, bad);
    expect(bad).toContain('HUB_DIRECTORY_URL must be an https:// URL');
    expect(bad).toContain('HUB_DIRECTORY_REFRESH_MINUTES must be between 1 and 10080');
    expect(bad.join(' ')).not.toContain('SECRET');
    const demoHttp: string[] = [];
    loadSettings({ HUB_DIRECTORY_URL: 'http://127.0.0.1:4020/services' }, demoHttp);
    expect(demoHttp).toEqual([]);
  });
});
