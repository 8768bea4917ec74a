/**
 * A process that streams a reply into the store for ever, reporting each delta once it is committed, so a test can
 * kill it mid-turn (main/store/killMidTurn.test.ts). Argument: the data folder. Delta i is `word<i> `.
 */
import { ConversationStore } from '../conversations';
import { TurnRecorder } from '../turnRecorder';

const store = ConversationStore.open(process.argv[2]);
const recorder = new TurnRecorder(store);
await recorder.begin({ conversationId: 'c1', turnId: 't1', text: 'Tell me a long story', attachments: [], micAudio: false, speak: false });
recorder.onTurnEvent({ type: 'started', turnId: 't1' });
for (let i = 0; ; i++) {
  recorder.onTurnEvent({ type: 'text-delta', turnId: 't1', text: `word${i} ` });
  // The recorder commits the deltas of one event-loop turn together, on the next check phase.
  await new Promise((resolve) => setImmediate(resolve));
  process.send?.({ committed: i });
}
