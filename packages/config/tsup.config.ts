import { packageBuild } from '../../tsup.shared.ts';

// strip-json-comments ships ESM only: bundling it keeps the CJS build loadable everywhere.
export default packageBuild({ index: 'src/index.ts' }, {}, { noExternal: ['strip-json-comments'] });
