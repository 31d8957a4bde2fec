import { describe, expect, it } from 'vitest';
import { allProfilePorts, guiMatches, PROFILES, recognizeGui, specForPort } from '../../shared/profiles.js';

describe('product profiles', () => {
  it('hold the vendors\' required ports', () => {
    const ports = (p: keyof typeof PROFILES) => PROFILES[p].ports.map((s) => s.port);
    expect(ports('pbxware')).toEqual([80, 81, 443, 2020]);
    expect(ports('serverware')).toEqual([80, 81, 443, 2020, 2222]);
    expect(ports('issabel')).toEqual([443, 22]);
    expect(allProfilePorts().map((s) => s.port)).toEqual([22, 80, 81, 443, 2020, 2222]);
  });

  it('names known ports given with --ports and calls others custom', () => {
    expect(specForPort(2020).purpose).toBe('ssh');
    expect(specForPort(3306).purpose).toBe('exposure');
    expect(specForPort(9999)).toEqual({ port: 9999, purpose: 'custom', label: 'custom' });
  });

  it('recognises GUIs by title, server header or body', () => {
    expect(recognizeGui({ title: 'PBXware 7.2 Login', server: 'nginx', body: '' })).toBe('pbxware');
    expect(recognizeGui({ title: 'SERVERware', server: null, body: '' })).toBe('serverware');
    expect(recognizeGui({ title: 'Issabel', server: 'Apache', body: '' })).toBe('issabel');
    expect(recognizeGui({ title: 'RT-AX88U Login', server: 'httpd/2.0', body: '<form>' })).toBeNull();
    expect(guiMatches('serverware', 'pbxware')).toBe(true);
    expect(guiMatches('issabel', 'pbxware')).toBe(false);
    expect(guiMatches('pbxware', null)).toBe(false);
  });
});
