// Package entry: the public plugin API (what third-party plugins import) and the memberlist library.
export * from './core/plugin-api';
