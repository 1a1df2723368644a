import type { DoubleState, DoubleUser } from '../double-state.ts';
import { NEXTCLOUD_RELEASE } from '../version-gates.ts';

/** One capability provider: its group name, the app it belongs to (none for core's) and whether it is public. */
interface CapabilityProvider {
  group: string;
  app?: string;
  /** `IPublicCapability`: also answered to anonymous requests. */
  public?: boolean;
  values(state: DoubleState, user: DoubleUser | undefined): Record<string, unknown>;
}

/** The app versions the double reports for bundled and store apps. */
const APP_VERSIONS: Record<string, string> = { notes: '4.12.1', deck: '1.16.1', tables: '0.9.5' };

/**
 * The capability providers of a Nextcloud with the double's apps, in the order `CapabilitiesManager` merges
 * them. With every app of a test setup enabled a user sees 19 groups; an anonymous request sees only the
 * 3 public ones (`IPublicCapability`: bruteforce, app_api, theming), as the facts page's bearer table says.
 */
const PROVIDERS: readonly CapabilityProvider[] = [
  {
    group: 'core',
    values: (state) => ({
      pollinterval: 60,
      'webdav-root': 'remote.php/webdav',
      'reference-api': true,
      'reference-regex': '(\\s|\\n|^)(https?:\\/\\/)([-A-Z0-9+_.]+(?::[0-9]+)?(?:\\/[-A-Z0-9+&@#%?=~_|!:,.;()]*)*)(\\s|\\n|$)',
      'mod-rewrite-working': false,
      'user': { expire_date: { enabled: false } },
      'enabled-apps': [...state.enabledApps].sort(),
    }),
  },
  { group: 'bruteforce', public: true, values: () => ({ delay: 0, 'allow-listed': false }) },
  { group: 'metadataAvailable', values: () => ({ size: ['/image\\/.*/'], gps: ['/image\\/.*/'] }) },
  {
    group: 'files',
    app: 'files',
    values: () => ({
      bigfilechunking: true,
      blacklisted_files: ['.htaccess'],
      forbidden_filenames: ['.htaccess'],
      forbidden_filename_basenames: [],
      forbidden_filename_characters: ['\\', '/'],
      forbidden_filename_extensions: ['.part', '.filepart'],
      chunked_upload: { max_size: 104857600, max_parallel_count: 5 },
      file_conversions: [],
      undelete: true,
      versioning: true,
      version_labeling: true,
      version_deletion: true,
    }),
  },
  {
    group: 'dav',
    app: 'dav',
    values: () => ({ chunking: '1.0', public_shares_chunking: true, bulkupload: '1.0', 'absence-supported': true, 'absence-replacement': true }),
  },
  {
    group: 'activity',
    values: () => ({ apiv2: ['filters', 'filters-api', 'previews', 'rich-strings'] }),
  },
  {
    group: 'app_api',
    app: 'app_api',
    public: true,
    // PublicCapabilities gives the version to everyone; Capabilities adds the log level for users.
    values: (state, user) => ({ ...(user ? { loglevel: 2 } : {}), version: `${state.versions.nextcloud}.0.0` }),
  },
  { group: 'circles', values: (state) => ({ version: `${state.versions.nextcloud}.1.0`, status: { globalScale: false }, settings: { frontendEnabled: true, allowedCircles: 262143, allowedUserTypes: 31, membersLimit: -1 } }) },
  {
    group: 'ocm',
    values: (state) => ({
      apiVersion: '1.0-proposal1',
      enabled: true,
      endPoint: `${state.baseUrl}/ocm`,
      provider: 'Nextcloud',
      resourceTypes: [{ name: 'file', shareTypes: ['user', 'group'], protocols: { webdav: '/public.php/webdav/' } }],
      version: '1.1.0',
    }),
  },
  {
    group: 'files_sharing',
    values: () => ({
      api_enabled: true,
      public: { enabled: true, password: { enforced: false, askForOptionalPassword: false }, multiple_links: true, expire_date: { enabled: false }, expire_date_internal: { enabled: false }, expire_date_remote: { enabled: false }, send_mail: false, upload: true, upload_files_drop: true, custom_tokens: false },
      user: { send_mail: false, expire_date: { enabled: true } },
      resharing: true,
      group_sharing: true,
      group: { enabled: true, expire_date: { enabled: true } },
      default_permissions: 31,
      federation: { outgoing: true, incoming: true, expire_date: { enabled: true }, expire_date_supported: { enabled: true } },
      sharee: { query_lookup_default: false, always_show_unique: true },
    }),
  },
  { group: 'notifications', values: () => ({ 'ocs-endpoints': ['list', 'get', 'delete', 'delete-all', 'icons', 'rich-strings', 'action-web', 'user-status', 'exists'], push: ['devices', 'object-data', 'delete'], 'admin-notifications': ['ocs', 'cli'] }) },
  {
    group: 'password_policy',
    values: (state) => ({
      minLength: 10,
      enforceNonCommonPassword: true,
      enforceNumericCharacters: false,
      enforceSpecialCharacters: false,
      enforceUpperLowerCase: false,
      api: { generate: `${state.baseUrl}/ocs/v2.php/apps/password_policy/api/v1/generate`, validate: `${state.baseUrl}/ocs/v2.php/apps/password_policy/api/v1/validate` },
    }),
  },
  { group: 'provisioning_api', values: (state) => ({ version: `1.${state.versions.nextcloud}.0`, AccountPropertyScopesVersion: 2, AccountPropertyScopesFederatedEnabled: true, AccountPropertyScopesPublishedEnabled: true }) },
  {
    group: 'theming',
    public: true,
    values: (state) => ({
      name: 'Nextcloud',
      productName: 'Nextcloud',
      url: 'https://nextcloud.com',
      slogan: 'a safe home for all your data',
      color: '#00679e',
      'color-text': '#ffffff',
      'color-element': '#00679e',
      'color-element-bright': '#00679e',
      'color-element-dark': '#00679e',
      logo: `${state.baseUrl}/core/img/logo/logo.svg?v=0`,
      background: `${state.baseUrl}/apps/theming/img/background/jo-myoung-hee-fluid.webp`,
      'background-text': '#ffffff',
      'background-plain': false,
      'background-default': true,
      logoheader: `${state.baseUrl}/core/img/logo/logo.svg?v=0`,
      favicon: `${state.baseUrl}/core/img/logo/logo.svg?v=0`,
    }),
  },
  { group: 'user_status', values: () => ({ enabled: true, restore: true, supports_emoji: true, supports_busy: true }) },
  { group: 'weather_status', values: () => ({ enabled: true }) },
  { group: 'notes', app: 'notes', values: (_state, user) => ({ api_version: ['0.2', '1.3', '1.4'], version: APP_VERSIONS['notes'], notes_path: user ? 'Notes' : null }) },
  { group: 'deck', app: 'deck', values: () => ({ version: APP_VERSIONS['deck'], canCreateBoards: true, apiVersions: ['1.0', '1.1'] }) },
  {
    group: 'tables',
    app: 'tables',
    values: () => ({
      enabled: true,
      version: APP_VERSIONS['tables'],
      apiVersions: ['1.0', '2.0', '2.1'],
      features: ['favorite', 'archive'],
      isCirclesEnabled: true,
      column_types: ['text-line', 'text-rich', 'text-link', 'number', 'number-stars', 'number-progress', 'selection', 'selection-multi', 'selection-check', 'datetime', 'datetime-date', 'datetime-time', 'usergroup'],
    }),
  },
];

/** The version of an app as `IAppManager::getAppVersion` reports it in the double. */
export function appVersion(app: string): string {
  return APP_VERSIONS[app] ?? '1.0.0';
}

/**
 * The data of `GET /ocs/v2.php/cloud/capabilities`: the version block of the double's Nextcloud release and
 * the capabilities of the enabled apps, only the public ones when nobody is logged in (core's OCSController).
 */
export function capabilitiesData(state: DoubleState, user: DoubleUser | undefined): { version: Record<string, unknown>; capabilities: Record<string, unknown> } {
  const release = NEXTCLOUD_RELEASE[state.versions.nextcloud];
  const [major, minor, micro] = release.split('.').map(Number) as [number, number, number];
  const capabilities: Record<string, unknown> = {};
  for (const provider of PROVIDERS) {
    if (provider.app !== undefined && !state.isEnabled(provider.app)) continue;
    if (!user && !provider.public) continue;
    capabilities[provider.group] = provider.values(state, user);
  }
  return { version: { major, minor, micro, string: release, edition: '', extendedSupport: false }, capabilities };
}
