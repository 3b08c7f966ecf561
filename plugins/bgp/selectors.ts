// Label-selector matching for peers' and advertisements' node/service selectors: the plugin API's, shared with the core.
export { selectorMatches, anySelectorMatches } from '../../src/core/plugin-api';
