import { describe, expect, it } from 'vitest';
import { PATCH_CHECK_IDS, PATCHES } from '../patches/index.ts';
import { isCheckId } from './checks.ts';
import { checkVariant, compareVariants, exactNextcloudVersion, matrixProjects, PATCH_MODES, parseVariantKey, projectVariant, variantKey, VariantError, variantsFromAxes, type Variant } from './variant.ts';

const v32: Variant = { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: true };

describe('variants', () => {
  it('have a stable readable key that parses back', () => {
    expect(variantKey(v32)).toBe('nc32-oidc1.16.6-uo8.10.1-none-hdr');
    const patched: Variant = { ...v32, nextcloud: 34, oidc: '2.0.9', patch: 'user_oidc-app-api', ocsHeader: false };
    expect(variantKey(patched)).toBe('nc34-oidc2.0.9-uo8.10.1-user_oidc-app-api-nohdr');
    expect(parseVariantKey(variantKey(patched))).toEqual(patched);
    expect(parseVariantKey('nc32-oidc1.14.6-uo7.4.0-server-cors-hdr')).toEqual({ nextcloud: 32, oidc: '1.14.6', userOidc: '7.4.0', patch: 'server-cors', ocsHeader: true });
  });

  it('of a real instance name its exact release in the key; the double keeps the major; both parse back', () => {
    const real: Variant = { ...v32, nextcloudVersion: '32.0.1' };
    expect(variantKey(real)).toBe('nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr');
    expect(parseVariantKey('nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr')).toEqual(real);
    expect(parseVariantKey('nc32-oidc1.16.6-uo8.10.1-none-hdr')).toEqual(v32);
    expect(variantKey({ ...v32, nextcloudVersion: '32.0.2' })).not.toBe(variantKey(real));
    expect(() => parseVariantKey('nc32.0-oidc1.16.6-uo8.10.1-none-hdr')).toThrow(/not a variant key/);
    expect(() => checkVariant({ ...v32, nextcloudVersion: '34.0.1' })).toThrow(/nextcloudVersion '34.0.1' is not a 32.x.y release/);
    expect(() => checkVariant({ ...v32, nextcloudVersion: '32.0.1 RC1' })).toThrow(VariantError);
    expect(exactNextcloudVersion('32.0.1')).toBe('32.0.1');
    expect(exactNextcloudVersion('33.0.0 RC2')).toBe('33.0.0');
    expect(exactNextcloudVersion('32')).toBeUndefined();
  });

  it('refuse malformed keys, unknown patches and versions that do not install together', () => {
    expect(() => parseVariantKey('nc32-none')).toThrow(VariantError);
    expect(() => parseVariantKey('nc32-oidc1.16.6-uo8.10.1-magic-hdr')).toThrow(/unknown patch 'magic'/);
    expect(() => parseVariantKey('nc35-oidc1.16.6-uo8.10.1-none-hdr')).toThrow(/installs on Nextcloud 31-33, not 35/);
    try {
      parseVariantKey('nc32-oidc9.0.0-uo8.10.1-none-hdr');
      expect.unreachable();
    } catch (error) {
      expect((error as VariantError).code).toBe('ERR_VARIANT');
      expect((error as VariantError).cause).toBeDefined();
    }
  });

  it('become Playwright projects named by key with metadata { variant, provider }', () => {
    const projects = matrixProjects([v32, { ...v32, patch: 'server-cors' }], 'double', { retries: 0, use: { trace: 'retain-on-failure' } });
    expect(projects.map((p) => p.name)).toEqual(['nc32-oidc1.16.6-uo8.10.1-none-hdr', 'nc32-oidc1.16.6-uo8.10.1-server-cors-hdr']);
    expect(projects[0]).toEqual({ retries: 0, use: { trace: 'retain-on-failure' }, name: 'nc32-oidc1.16.6-uo8.10.1-none-hdr', metadata: { variant: v32, provider: 'double' } });
    expect(projectVariant(projects[1]!)).toEqual({ variant: { ...v32, patch: 'server-cors' }, provider: 'double' });
    expect(projectVariant({ name: 'unit', metadata: {} })).toBeUndefined();
    expect(() => matrixProjects([v32, v32], 'double')).toThrow(/listed twice/);
    expect(() => matrixProjects([v32], 'cloud' as never)).toThrow(/unknown provider 'cloud'/);
  });

  it('come from axes, leaving out combinations that do not install and sorting them', () => {
    const variants = variantsFromAxes({ nextcloud: [34, 32], oidc: ['1.16.6', '2.0.9'], userOidc: ['8.10.1'], patch: ['user_oidc-app-api', 'none'], ocsHeader: [true, false] });
    // oidc 1.16.6 installs on 31-33, 2.0.9 on 32-35: 3 pairs x 2 patches x 2 header modes
    expect(variants).toHaveLength(12);
    expect(variants.map(variantKey).slice(0, 3)).toEqual(['nc32-oidc1.16.6-uo8.10.1-none-nohdr', 'nc32-oidc1.16.6-uo8.10.1-none-hdr', 'nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr']);
    expect(variants.every((v, i) => i === 0 || compareVariants(variants[i - 1]!, v) < 0)).toBe(true);
    expect(() => variantsFromAxes({ nextcloud: [35], oidc: ['1.10.0'], userOidc: ['8.10.1'], patch: ['none'], ocsHeader: [true] })).toThrow(/no combination installs together/);
    expect(() => variantsFromAxes({ nextcloud: [32], oidc: ['1.99.0'], userOidc: ['8.10.1'], patch: ['none'], ocsHeader: [true] })).toThrow(/unknown oidc version '1.99.0'/);
    expect(() => variantsFromAxes({ nextcloud: [32], oidc: ['1.16.6'], userOidc: ['8.10.1'], patch: [], ocsHeader: [true] })).toThrow(/patch axis is empty/);
  });

  it('take their patch modes from patches/, whose expected checks are catalogue checks', () => {
    expect(PATCH_MODES).toEqual(['none', ...PATCHES.map((p) => p.id)]);
    for (const id of [...Object.values(PATCH_CHECK_IDS), ...PATCHES.flatMap((p) => p.changesChecks)]) expect(isCheckId(id), id).toBe(true);
  });
});
