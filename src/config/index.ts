// Configuration: one schema of settings (./settings.ts), read and checked once (./load.ts).
export { type Config, ConfigError, configOrExit, loadConfig, type OemEndpoint } from './load.ts';
export { type Mode, type OemProviderId, oemEnvPrefix, oemProviderIds } from './settings.ts';
