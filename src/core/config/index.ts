// The configuration package's public surface: loaders, the model, and the helpers the allocator and speaker reuse.
export * from './model';
export { loadConfig, buildConfig, type ConfigSource, type ConfigObject, type LoadOptions, type LoadResult } from './load';
export { BUILTIN_PROTOCOLS, type ProtocolCatalog } from './protocols';
export { selectorMatches, anySelectorMatches } from './selectors';
export { parseAddressRange, coveringCidrs, formatCidr, rangesOverlap, rangeSize } from './address-ranges';
export { parseCommunity, formatCommunity } from './communities';
export { resolvePeerPasswords, BASIC_AUTH_SECRET_TYPE, PASSWORD_SECRET_KEY, type SecretLookup } from './peer-passwords';
