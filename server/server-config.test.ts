import { describe, expect, it } from 'vitest';
import { parseServerConfig, ServerConfigError, type ConfigSources } from './server-config.ts';

const parse = (flags: ConfigSources['flags'], env: ConfigSources['env'] = {}) => parseServerConfig({ flags, env });

function errorOf(flags: ConfigSources['flags'], env: ConfigSources['env'] = {}): ServerConfigError {
  try {
    parse(flags, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ServerConfigError);
    expect((error as ServerConfigError).code).toBe('ERR_SERVER_CONFIG');
    expect((error as Error).message).not.toContain('\n');
    return error as ServerConfigError;
  }
  throw new Error('expected a ServerConfigError');
}

describe('parseServerConfig', () => {
  it('has working defaults: oauth over HTTP on 127.0.0.1:8090 with OCS-APIRequest on', () => {
    const config = parse({ 'nextcloud-url': 'https://cloud.example.test/' });
    expect(config).toMatchObject({
      nextcloudUrl: 'https://cloud.example.test',
      auth: 'oauth',
      transport: 'http',
      host: '127.0.0.1',
      port: 8090,
      ocsApiRequest: true,
      tokenCacheTtlSeconds: 60,
      failureCacheTtlSeconds: 5,
      readScopes: ['openid'],
      writeScopes: ['openid'],
      advertisedScopes: ['openid', 'profile', 'email', 'offline_access'],
      requestTimeoutMs: 30000,
      logLevel: 'info',
    });
    expect(config.issuerUrl).toBeUndefined();
    expect(config.audience).toBeUndefined();
  });

  it('takes NC_MCP_* variables and lets flags win', () => {
    const env = { NC_MCP_NEXTCLOUD_URL: 'http://nextcloud:80/index.php', NC_MCP_PORT: '9000', NC_MCP_ISSUER_URL: 'https://cloud.example.test/', NC_MCP_OCS_API_REQUEST: 'false', NC_MCP_ALLOWED_HOSTS: 'mcp.example.test, localhost:9000' };
    const config = parse({ port: '9100' }, env);
    expect(config.nextcloudUrl).toBe('http://nextcloud');
    expect(config.issuerUrl).toBe('https://cloud.example.test');
    expect(config.port).toBe(9100);
    expect(config.ocsApiRequest).toBe(false);
    expect(config.allowedHosts).toEqual(['mcp.example.test', 'localhost:9000']);
  });

  it('turns the OCS header off with --no-ocs-api-request', () => {
    expect(parse({ 'nextcloud-url': 'http://nc', 'no-ocs-api-request': true }, { NC_MCP_OCS_API_REQUEST: 'true' }).ocsApiRequest).toBe(false);
  });

  it('refuses bad input with one line naming the setting', () => {
    expect(errorOf({}).message).toMatch(/--nextcloud-url .*required/);
    expect(errorOf({ 'nextcloud-url': 'cloud.example.test' }).message).toMatch(/--nextcloud-url 'cloud.example.test' is not a URL/);
    expect(errorOf({ 'nextcloud-url': 'ftp://nc' }).message).toMatch(/must be http or https/);
    expect(errorOf({ 'nextcloud-url': 'http://nc?x=1' }).message).toMatch(/query or fragment/);
    expect(errorOf({ 'nextcloud-url': 'http://nc', port: '70000' }).message).toMatch(/--port must be a whole number from 0 to 65535/);
    expect(errorOf({ 'nextcloud-url': 'http://nc', auth: 'magic' }).message).toMatch(/--auth must be one of oauth, basic/);
    expect(errorOf({ 'nextcloud-url': 'http://nc' }, { NC_MCP_OCS_API_REQUEST: 'maybe' }).message).toMatch(/NC_MCP_OCS_API_REQUEST must be true or false/);
    expect(errorOf({ 'nextcloud-url': 'http://nc', 'token-cache-ttl': '-1' }).message).toMatch(/--token-cache-ttl/);
    expect(errorOf({ 'nextcloud-url': 'http://nc', 'write-scopes': 'notes:write' }).message).toMatch(/--scopes must include .*notes:write/);
  });

  it('needs basic credentials from the environment, never the password from a flag', () => {
    expect(errorOf({ 'nextcloud-url': 'http://nc', auth: 'basic' }).message).toMatch(/--user or NC_MCP_USER/);
    const noPassword = errorOf({ 'nextcloud-url': 'http://nc', auth: 'basic', user: 'alice' });
    expect(noPassword.message).toMatch(/NC_MCP_APP_PASSWORD/);
    const config = parse({ 'nextcloud-url': 'http://nc', auth: 'basic', user: 'alice' }, { NC_MCP_APP_PASSWORD: 'Secret-App-Password-1' });
    expect(config.basic).toEqual({ user: 'alice', password: 'Secret-App-Password-1' });
  });

  it('keeps basic mode on loopback and stdio in basic mode', () => {
    const env = { NC_MCP_APP_PASSWORD: 'pw-123456' };
    expect(errorOf({ 'nextcloud-url': 'http://nc', auth: 'basic', user: 'a', host: '0.0.0.0' }, env).message).toMatch(/loopback/);
    expect(parse({ 'nextcloud-url': 'http://nc', auth: 'basic', user: 'a', host: '::1' }, env).host).toBe('::1');
    expect(errorOf({ 'nextcloud-url': 'http://nc', transport: 'stdio' }).message).toMatch(/stdio needs --auth basic/);
    expect(parse({ 'nextcloud-url': 'http://nc', transport: 'stdio', auth: 'basic', user: 'a' }, env).transport).toBe('stdio');
  });
});
