// The BGP-4 codec's public surface: pure Buffer ⇄ typed value functions, no sockets.
export * from './constants';
export * from './errors';
export * from './header';
export * from './prefix';
export * from './open';
export * from './attributes';
export * from './update';
export * from './messages';
export * from './update-encoder';
