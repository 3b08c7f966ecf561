// ESLint rule: inside src/core an import never reaches a higher floor (docs/architecture in README: "Floors of src/core").
const path = require('node:path');

/** Floors of src/core, lowest first; a module may import its own floor and the ones below. */
const FLOORS = [
  ['log', 'service', 'net', 'serial-queue', 'keyed-queue', 'component-state', 'client-metrics', 'ports', 'tokens'],
  ['config'],
  ['ipam', 'plugin-api'],
  ['k8s', 'http', 'plugins'],
  ['plan', 'composition'],
  ['controller', 'speaker'],
];

const floorOf = (part) => FLOORS.findIndex((names) => names.includes(part));

/** The first segment of `file`'s path under src/core (directory, or file name without extension), or undefined. */
function coreSegment(file, coreDir) {
  const rel = path.relative(coreDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0].replace(/\.(ts|js)$/, '');
}

module.exports = {
  rules: {
    'core-floors': {
      meta: {
        type: 'problem',
        docs: { description: 'src/core imports only its own floor and lower ones (and never src/cli, src/lab, src/diagnose or plugins/)' },
        schema: [],
      },
      create(context) {
        const file = context.filename ?? context.getFilename();
        const coreDir = path.join(context.cwd ?? process.cwd(), 'src', 'core');
        const from = coreSegment(file, coreDir);
        if (from === undefined) return {};
        const fromFloor = floorOf(from);
        const check = (node, source) => {
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const target = path.resolve(path.dirname(file), source);
          const to = coreSegment(target, coreDir);
          if (to === undefined) {
            const srcRel = path.relative(path.join(coreDir, '..', '..'), target).split(path.sep).join('/');
            context.report({ node, message: `src/core never imports '${srcRel}': it is above the core` });
            return;
          }
          const toFloor = floorOf(to);
          if (fromFloor === -1 || toFloor === -1) {
            context.report({ node, message: `src/core/${fromFloor === -1 ? from : to} has no floor: add it to FLOORS in eslint-rules/core-floors.js` });
          } else if (toFloor > fromFloor) {
            context.report({ node, message: `src/core/${from} (floor ${fromFloor}) imports src/core/${to} (floor ${toFloor}): a lower floor never reaches a higher one` });
          }
        };
        return {
          ImportDeclaration: (node) => check(node, node.source.value),
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
          ExportAllDeclaration: (node) => check(node, node.source.value),
        };
      },
    },
  },
  FLOORS,
};
