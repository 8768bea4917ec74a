/**
 * A pull in its own process, for the test that kills it with SIGKILL mid-download:
 * `node --import tsx main/models/testing/pullChild.ts <hub-url> <home> <repo-id>`.
 */
import { ModelPull } from '../pull';
import { testTuning } from './tuning';

const [endpoint, home, repo] = process.argv.slice(2);
await new ModelPull({
  repo,
  revision: 'main',
  home,
  access: { endpoint },
  offline: false,
  hfCacheDirs: [],
  // A live journal every 10 ms: what a crash can cost is what arrived since the last one.
  tuning: { ...testTuning(), liveJournalIntervalMs: 10 },
}).run();
