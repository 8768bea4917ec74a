import { describe, expect, it } from 'vitest';
import { sendsInPlainText, serverAddress } from './address';

describe('server addresses', () => {
  it('read as host and port', () => {
    expect(serverAddress('http://gpu-box:8091/v1')).toBe('gpu-box:8091');
    expect(serverAddress('https://omni.example.org/v1')).toBe('omni.example.org');
    expect(serverAddress('http://[::1]:8091/v1')).toBe('[::1]:8091');
    expect(serverAddress('gpu-box')).toBe('gpu-box');
  });

  it('warn of plain http only when it leaves this computer', () => {
    const tries = ['http://gpu-box:8091/v1', 'http://192.168.1.20/v1', 'https://gpu-box/v1', 'http://localhost:8091/v1', 'http://127.0.0.1:8091/v1', 'http://[::1]:8091/v1', 'not a url'];
    expect(tries.map(sendsInPlainText)).toEqual([true, true, false, false, false, false, false]);
  });
});
