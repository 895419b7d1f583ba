import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({ index: 'src/index.ts' }, { 'bin/bot-sim': 'bin/bot-sim.ts' });
