// Label-selector matching for L2Advertisement node and service selectors: the plugin API's, shared with the core.
export { selectorMatches, anySelectorMatches } from '../../src/core/plugin-api';
