import { packageBuild } from '../../tsup.shared.ts';

// trading-signals ships ESM only: bundling the two indicators used keeps the CJS build loadable everywhere.
export default packageBuild({ index: 'src/index.ts' }, {}, { noExternal: ['trading-signals'] });
