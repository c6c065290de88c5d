import { describe, expect, it } from 'vitest';
import { gatewaySocketUrl } from './gateway-url';

describe('gatewaySocketUrl', () => {
  it('uses the page origin with ws: or wss: when the server says same origin', () => {
    expect(gatewaySocketUrl('', { protocol: 'http:', host: 'localhost:3000' })).toBe('ws://localhost:3000/gateway/ws');
    expect(gatewaySocketUrl('', { protocol: 'https:', host: 'labs.example.edu' })).toBe('wss://labs.example.edu/gateway/ws');
  });
  it('turns an https gateway base into wss with the standard path', () => {
    expect(gatewaySocketUrl('https://gw.example.edu', { protocol: 'https:', host: 'x' })).toBe('wss://gw.example.edu/gateway/ws');
  });
  it('keeps an explicit path', () => {
    expect(gatewaySocketUrl('wss://gw.example.edu/custom/ws', { protocol: 'https:', host: 'x' })).toBe('wss://gw.example.edu/custom/ws');
  });
});
