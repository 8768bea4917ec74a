import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StreamDown, StreamUp } from '../../../main/ipc/contract';
import type { EngineLink } from '../audio/engineLink';
import type { MicEvents } from '../audio/micCapture';
import type { Utterance } from '../audio/pushToTalkRecorder';
import type { PlaybackReport, PlayerEvent } from '../audio/speechPlayer';
import { createAttachmentsStore } from '../media/attachments';
import { createConversationStore } from './conversation';
import { createVoiceStore, levelPercent, MIC_IDLE_MS, questionClip, voiceStatus, type Player, type VoicePreferences } from './voice';
import { fakeApi, settle } from '../testing/fakeApi';

afterEach(() => vi.useRealTimers());

const photo = { kind: 'image' as const, name: 'Camera frame.jpg', mime: 'image/jpeg' as const, data: new Uint8Array([1]) };
const NO_TROUBLE = { underruns: 0, padSamples: 240, refusedSamples: 0 };
const until = (check: () => unknown) => vi.waitFor(() => expect(check()).toBeTruthy(), { timeout: 1000, interval: 1 });

function setup({ heldSamples = 24_000 } = {}) {
  const fake = fakeApi();
  let ids = 0;
  const conversation = createConversationStore(fake.api, () => `id${++ids}`);
  const attachments = createAttachmentsStore();
  const up: StreamUp[] = [];
  const down = new Set<(message: StreamDown) => void>();
  const link = {
    open: vi.fn(async () => undefined),
    post: vi.fn((message: StreamUp) => void up.push(message)),
    onMessage: (listener: (message: StreamDown) => void) => (down.add(listener), () => void down.delete(listener)),
    received: vi.fn(async (_turnId: string) => heldSamples + 6400),
  } satisfies EngineLink;
  let micEvents: MicEvents | undefined;
  const mic = {
    start: vi.fn((_turnId: string) => undefined),
    stop: vi.fn(
      async (): Promise<Utterance> => ({ turnId: mic.start.mock.lastCall?.[0] ?? '', samples: heldSamples + 6400, heldSamples, pcm: new Float32Array([0.25, -0.25]) }),
    ),
    cancel: vi.fn(),
    close: vi.fn(),
  };
  const openMicrophone = vi.fn(async (_device: string | null, _send: unknown, events: MicEvents) => ((micEvents = events), mic));
  const playerListeners = new Set<(event: PlayerEvent) => void>();
  const player = {
    chunk: vi.fn((_turnId: string, _pcm: Float32Array) => undefined),
    end: vi.fn((_turnId: string) => undefined),
    replay: vi.fn((_turnId: string) => true),
    interrupt: vi.fn(async (): Promise<PlaybackReport | undefined> => undefined),
    onEvent: (listener: (event: PlayerEvent) => void) => (playerListeners.add(listener), () => void playerListeners.delete(listener)),
    recording: vi.fn((_turnId: string): Float32Array | undefined => undefined),
    decode: vi.fn(async (file: Uint8Array) => Float32Array.from(file)),
    setOutput: vi.fn(async (_device: string | null) => undefined),
  } satisfies Player;
  const preferences: VoicePreferences = { speak: true, input: null, output: null };
  const createPlayer = vi.fn(async () => player);
  const saveAudio = vi.fn(async (turnId: string, role: 'user' | 'assistant', _rate: number, pcm: Float32Array) => ({
    file: `c/${turnId}/${role === 'user' ? 'microphone' : 'speech'}.wav`,
    samples: pcm.length,
  }));
  const readMedia = vi.fn(async (_file: string) => new Uint8Array([1, 2, 3]));
  let utterances = 0;
  const voice = createVoiceStore({
    conversation,
    attachments,
    link,
    preferences: () => preferences,
    openMicrophone,
    createPlayer,
    saveAudio,
    readMedia,
    newId: () => `ptt-${++utterances}`,
  });
  return {
    ...fake,
    conversation,
    attachments,
    voice,
    state: () => voice.getState(),
    status: () => voiceStatus(voice.getState(), conversation.getState()),
    link,
    up,
    speak: (message: StreamDown) => down.forEach((listener) => listener(message)),
    mic,
    micEvents: () => micEvents as MicEvents,
    openMicrophone,
    player,
    playerSays: (event: PlayerEvent) => playerListeners.forEach((listener) => listener(event)),
    saveAudio,
    readMedia,
    preferences,
    createPlayer,
  };
}

describe('push-to-talk', () => {
  it('listens while held and, on release, sends the utterance as a turn with the tray’s attachments, asking for speech', async () => {
    const { state, status, mic, link, attachments, mocks, saveAudio } = setup();
    attachments.getState().add(photo);
    state().press();
    expect([state().phase, status()]).toEqual(['opening', 'listening']);
    await until(() => state().phase === 'listening');
    expect(mic.start).toHaveBeenCalledWith('ptt-1');
    expect(link.open).toHaveBeenCalled();
    state().release();
    expect([state().phase, status()]).toEqual(['sending', 'thinking']);
    await until(() => state().phase === 'idle');
    expect(link.received).toHaveBeenCalledWith('ptt-1');
    expect(mocks.chat.send).toHaveBeenCalledWith({
      conversationId: 'id1',
      turnId: 'ptt-1',
      text: '',
      attachments: [photo],
      micAudio: true,
      speak: true,
    });
    expect(attachments.getState().items).toEqual([]);
    await until(() => saveAudio.mock.calls.length);
    expect(saveAudio).toHaveBeenCalledWith('ptt-1', 'user', 16000, new Float32Array([0.25, -0.25]));
  });

  it('says the model is loading while the sent question waits for it, then thinking once the turn starts', async () => {
    const { state, status, emitTurn, conversation } = setup();
    state().press();
    await until(() => state().phase === 'listening');
    state().release();
    await until(() => state().phase === 'idle');
    expect(status()).toBe('thinking');
    emitTurn({ type: 'loading', turnId: 'ptt-1', part: 'model' });
    expect(status()).toBe('loading');
    emitTurn({ type: 'loading', turnId: 'ptt-1', part: 'speech' });
    expect(status()).toBe('loading');
    emitTurn({ type: 'started', turnId: 'ptt-1' });
    expect(status()).toBe('thinking');
    // A model the engine opens holds up the turn as well, whoever asked for it; with no turn, nothing waits.
    expect(voiceStatus(state(), conversation.getState(), true)).toBe('loading');
    emitTurn({ type: 'done', turnId: 'ptt-1', text: 'Hi', interrupted: false, speechSamples: 0 });
    expect(voiceStatus(state(), conversation.getState(), true)).toBe('idle');
  });

  it('notes where the question was saved on its message, so it can be played back', async () => {
    const { state, conversation } = setup();
    state().press();
    await until(() => state().phase === 'listening');
    state().release();
    await until(() => conversation.getState().messages[0]?.speech);
    expect(conversation.getState().messages[0]).toMatchObject({ role: 'user', turnId: 'ptt-1', speech: { file: 'c/ptt-1/microphone.wav', samples: 2 } });
  });

  it('says so when the recording could not be saved with the conversation', async () => {
    const { state, saveAudio } = setup();
    saveAudio.mockRejectedValueOnce({ code: 'TURN_NOT_FOUND', message: 'No stored turn ptt-1 to attach audio to' });
    state().press();
    await until(() => state().phase === 'listening');
    state().release();
    await until(() => state().notice);
    expect(state().notice?.message).toBe('The recording could not be saved with the conversation: No stored turn ptt-1 to attach audio to');
  });

  it('meters the level in dBFS from −60 (empty) to 0 (full)', () => {
    expect([0, 0.001, 0.01, 0.0883, 1, 2].map((rms) => levelPercent({ rms, peak: rms }))).toEqual([0, 0, 33, 65, 100, 100]);
  });

  it('shows the microphone level only while listening', async () => {
    const { state, micEvents } = setup();
    state().press();
    await until(() => state().phase === 'listening');
    micEvents().level({ rms: 0.09, peak: 0.8 });
    expect(state().level).toEqual({ rms: 0.09, peak: 0.8 });
    state().release();
    expect(state().level).toEqual({ rms: 0, peak: 0 });
  });

  it('drops a hold shorter than a quarter second, freeing the engine’s copy, with a hint', async () => {
    const { state, up, mocks } = setup({ heldSamples: 3999 });
    state().press();
    await until(() => state().phase === 'listening');
    state().release();
    await until(() => state().phase === 'idle');
    expect(up).toEqual([{ type: 'mic.cancel', turnId: 'ptt-1' }]);
    expect(mocks.chat.send).not.toHaveBeenCalled();
    expect(state().notice?.message).toBe('Too short to send: hold the talk key or button while you speak.');
  });

  it('treats a release before the microphone opened as too short, without recording', async () => {
    const { state, mic } = setup();
    state().press();
    state().release();
    await until(() => state().phase === 'idle');
    expect(mic.start).not.toHaveBeenCalled();
    expect(state().notice?.message).toMatch(/^Too short/);
  });

  it('releases by itself when the utterance reaches its maximum length', async () => {
    const { state, micEvents, mocks } = setup();
    state().press();
    await until(() => state().phase === 'listening');
    micEvents().full();
    await until(() => state().phase === 'idle');
    expect(mocks.chat.send).toHaveBeenCalledTimes(1);
  });

  it('opens the chosen input device, and another one once the setting changed', async () => {
    const { state, mic, openMicrophone, preferences } = setup();
    preferences.input = 'usb-mic';
    state().press();
    await until(() => state().phase === 'listening');
    state().release();
    await until(() => state().phase === 'idle');
    preferences.input = null;
    state().press();
    await until(() => state().phase === 'listening');
    expect(openMicrophone.mock.calls.map(([device]) => device)).toEqual(['usb-mic', null]);
    expect(mic.close).toHaveBeenCalledTimes(1);
  });

  it('asks for no speech when spoken replies are off', async () => {
    const { state, mocks, preferences } = setup();
    preferences.speak = false;
    state().press();
    await until(() => state().phase === 'listening');
    state().release();
    await until(() => mocks.chat.send.mock.calls.length);
    expect(mocks.chat.send.mock.lastCall?.[0]).toMatchObject({ micAudio: true, speak: false });
  });

  it('ignores key repeat: a second press while listening changes nothing', async () => {
    const { state, openMicrophone } = setup();
    state().press();
    state().press();
    await until(() => state().phase === 'listening');
    state().press();
    expect(openMicrophone).toHaveBeenCalledTimes(1);
  });

  it('explains a denied microphone and stays usable', async () => {
    const { state, openMicrophone } = setup();
    openMicrophone.mockRejectedValueOnce(new DOMException('Permission denied', 'NotAllowedError'));
    state().press();
    await until(() => state().phase === 'idle');
    expect(state().notice).toEqual({
      message: 'Microphone access was denied.',
      hint: 'Allow Omnidesk to use the microphone in your system’s privacy settings, then try again.',
    });
    state().press();
    await until(() => state().phase === 'listening');
  });

  it('says so when the engine never confirmed the audio, and sends no turn', async () => {
    const { state, link, mocks } = setup();
    link.received.mockRejectedValueOnce({ code: 'ENGINE_TIMEOUT', message: 'The engine did not confirm your voice message within 5 s.' });
    state().press();
    await until(() => state().phase === 'listening');
    state().release();
    await until(() => state().phase === 'idle');
    expect(state().notice?.message).toBe('Your voice message did not reach the engine: The engine did not confirm your voice message within 5 s.');
    expect(mocks.chat.send).not.toHaveBeenCalled();
  });

  it('keeps the microphone open for a minute after an utterance, then closes it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { state, mic } = setup();
    state().press();
    await vi.advanceTimersByTimeAsync(0);
    expect(state().phase).toBe('listening');
    state().release();
    await vi.advanceTimersByTimeAsync(0);
    expect(state().phase).toBe('idle');
    await vi.advanceTimersByTimeAsync(MIC_IDLE_MS - 1);
    expect(mic.close).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(mic.close).toHaveBeenCalledTimes(1);
  });

  it('closes a disconnected microphone, cancelling the utterance, and opens a new one next time', async () => {
    const { state, mic, micEvents, openMicrophone } = setup();
    state().press();
    await until(() => state().phase === 'listening');
    micEvents().ended();
    await settle();
    expect(mic.close).toHaveBeenCalled();
    expect(state().phase).toBe('idle');
    expect(state().notice?.message).toBe('The microphone was disconnected.');
    state().press();
    await until(() => state().phase === 'listening');
    expect(openMicrophone).toHaveBeenCalledTimes(2);
  });
});

describe('spoken replies and barge-in', () => {
  it('plays the engine’s speech chunks and ends the track on speech.end; a malformed chunk is dropped', async () => {
    const { speak, player } = setup();
    speak({ type: 'speech.chunk', turnId: 't1', seq: 0, sampleRate: 24000, pcm: new Float32Array([0.5, -0.5]).buffer });
    speak({ type: 'speech.chunk', turnId: 't1', seq: 1, sampleRate: 24000, pcm: new ArrayBuffer(7) });
    speak({ type: 'speech.end', turnId: 't1', samples: 2 });
    await until(() => player.end.mock.calls.length);
    expect(player.chunk.mock.calls.map(([turnId, pcm]) => [turnId, [...pcm]])).toEqual([['t1', [0.5, -0.5]]]);
    expect(player.end).toHaveBeenCalledWith('t1');
  });

  it('sets up playback ahead of use, once', async () => {
    const { state, createPlayer } = setup();
    state().prepare();
    state().prepare();
    await state().replay('t1');
    expect(createPlayer).toHaveBeenCalledTimes(1);
  });

  it('is speaking from the first sample heard until the track finishes, then keeps it for replay', async () => {
    const { speak, playerSays, state, status, player } = setup();
    speak({ type: 'speech.end', turnId: 't1', samples: 0 });
    await until(() => player.end.mock.calls.length);
    playerSays({ type: 'started', turnId: 't1', replay: false });
    expect(status()).toBe('speaking');
    const finished = { type: 'finished', turnId: 't1', replay: false, samplesPlayed: 48_000, interrupted: false, stats: NO_TROUBLE, recordedSamples: 48_000 } as const;
    playerSays(finished);
    expect([status(), state().speech, state().lastPlayback]).toEqual(['idle', { t1: 48_000 }, finished]);
    await state().replay('t1');
    expect(player.replay).toHaveBeenCalledWith('t1');
  });

  it('saves a live reply as heard once it is over, but not a replay', async () => {
    const { speak, playerSays, player, saveAudio } = setup();
    speak({ type: 'speech.end', turnId: 't1', samples: 0 });
    await until(() => player.end.mock.calls.length);
    const heard = new Float32Array([0.5, 0.25]);
    player.recording.mockReturnValue(heard);
    const finished = { type: 'finished', turnId: 't1', samplesPlayed: 2, interrupted: true, stats: NO_TROUBLE, recordedSamples: 2 } as const;
    playerSays({ ...finished, replay: true });
    expect(saveAudio).not.toHaveBeenCalled();
    playerSays({ ...finished, replay: false });
    expect(saveAudio).toHaveBeenCalledWith('t1', 'assistant', 24000, heard);
  });

  it('notes the saved reply on its message, which replays from the file when the page no longer holds it', async () => {
    const { conversation, speak, playerSays, player, saveAudio, readMedia, state } = setup();
    await conversation.getState().send({ text: 'Hi', speak: true });
    speak({ type: 'speech.end', turnId: 'id2', samples: 0 });
    await until(() => player.end.mock.calls.length);
    player.recording.mockReturnValue(new Float32Array([0.5, 0.25]));
    playerSays({ type: 'finished', turnId: 'id2', replay: false, samplesPlayed: 2, interrupted: false, stats: NO_TROUBLE, recordedSamples: 2 });
    await until(() => conversation.getState().messages[1]?.speech);
    expect(saveAudio).toHaveBeenCalledTimes(1);
    expect(conversation.getState().messages[1]).toMatchObject({ role: 'assistant', turnId: 'id2', speech: { file: 'c/id2/speech.wav', samples: 2 } });
    player.replay.mockReturnValueOnce(false);
    await state().replay('id2');
    expect(readMedia).toHaveBeenCalledWith('c/id2/speech.wav');
  });

  it('plays through the chosen output device, or the default with a notice when it cannot', async () => {
    const { speak, player, preferences, state } = setup();
    preferences.output = 'usb-headset';
    player.setOutput.mockRejectedValueOnce(new DOMException('Requested device not found', 'NotFoundError'));
    speak({ type: 'speech.chunk', turnId: 't1', seq: 0, sampleRate: 24000, pcm: new Float32Array(4).buffer });
    await until(() => state().notice);
    expect(player.setOutput).toHaveBeenCalledWith('usb-headset');
    expect(player.chunk).toHaveBeenCalledTimes(1);
    expect(state().notice).toEqual({ message: 'No speaker was found.', hint: 'Playing through the system’s default output instead.' });
  });

  it('replays a reply saved before a reload from its stored file', async () => {
    const { state, conversation, player, readMedia } = setup();
    conversation.setState({
      messages: [{ role: 'assistant', id: 'a', turnId: 'old', text: 'Hi', status: 'done', speak: true, speech: { file: 'c/old/speech.wav', samples: 3 } }],
    });
    player.replay.mockReturnValueOnce(false);
    await state().replay('old');
    expect(readMedia).toHaveBeenCalledWith('c/old/speech.wav');
    expect(player.replay).toHaveBeenLastCalledWith('old', new Float32Array([1, 2, 3]));
  });

  it('replays a recorded question from its saved file, under a clip name of its own', async () => {
    const { state, conversation, player, readMedia } = setup();
    conversation.setState({
      messages: [
        { role: 'user', id: 'q', turnId: 'old', text: '', voiceSamples: 3, speech: { file: 'c/old/microphone.wav', samples: 3 } },
        { role: 'assistant', id: 'a', turnId: 'old', text: 'Hi', status: 'done', speak: true, speech: { file: 'c/old/speech.wav', samples: 3 } },
      ],
    });
    player.replay.mockReturnValueOnce(false);
    await state().replay('old', 'user');
    expect(readMedia).toHaveBeenCalledWith('c/old/microphone.wav');
    expect(player.replay.mock.calls).toEqual([[questionClip('old')], [questionClip('old'), new Float32Array([1, 2, 3])]]);
    expect(questionClip('old')).toBe('old#question');
  });

  it("says it plays the user's question, not that it speaks, while a recorded question replays", async () => {
    const { speak, player, playerSays, status } = setup();
    speak({ type: 'speech.end', turnId: 't1', samples: 0 });
    await until(() => player.end.mock.calls.length);
    playerSays({ type: 'started', turnId: questionClip('old'), replay: true });
    expect(status()).toBe('playingQuestion');
    playerSays({ type: 'started', turnId: 'old', replay: true });
    expect(status()).toBe('speaking');
  });

  it('push-to-talk while speaking stops playback and interrupts the turn with the samples heard, before the new turn', async () => {
    const { state, conversation, player, mocks, emitTurn } = setup();
    await conversation.getState().send({ text: 'Tell me a story', speak: true });
    await state().replay('nothing'); // creates the player, as the first reply would
    player.interrupt.mockResolvedValueOnce({ turnId: 'id2', replay: false, samplesPlayed: 30_240 });
    mocks.chat.interrupt.mockImplementationOnce(async () => {
      setTimeout(() => emitTurn({ type: 'done', turnId: 'id2', text: 'Once upon', interrupted: true, speechSamples: 30_240 }), 5);
      return { interrupted: true };
    });
    state().press();
    await until(() => state().phase === 'listening');
    expect(mocks.chat.interrupt).toHaveBeenLastCalledWith({ turnId: 'id2', heardSamples: 30_240 });
    state().release();
    await until(() => mocks.chat.send.mock.calls.length === 2);
    expect(mocks.chat.send.mock.lastCall?.[0]).toMatchObject({ turnId: 'ptt-1', micAudio: true });
    // The stopped turn's last event may come after the new turn went: it still ends its own message.
    await until(() => conversation.getState().messages.some((m) => m.role === 'assistant' && m.turnId === 'id2' && m.status === 'interrupted'));
    expect(conversation.getState().messages[1]).toMatchObject({ text: 'Once upon', status: 'interrupted', heardSamples: 30_240 });
  });

  it('Stop while the answer is still being thought out interrupts it as heard for 0 samples', async () => {
    const { state, conversation, mocks } = setup();
    await conversation.getState().send({ text: 'Hi', speak: true });
    await state().stop();
    expect(mocks.chat.interrupt).toHaveBeenCalledWith({ turnId: 'id2', heardSamples: 0 });
  });

  it('stopping a replay interrupts nothing in the engine', async () => {
    const { state, player, mocks } = setup();
    await state().replay('t1');
    player.interrupt.mockResolvedValueOnce({ turnId: 't1', replay: true, samplesPlayed: 100 });
    await state().stop();
    expect(mocks.chat.interrupt).not.toHaveBeenCalled();
  });

  it('a typed message stops the reply still speaking and reports what was heard of it', async () => {
    const { state, player, mocks, attachments } = setup();
    await state().replay('x');
    player.interrupt.mockResolvedValueOnce({ turnId: 't0', replay: false, samplesPlayed: 4800 });
    attachments.getState().add(photo);
    await state().sendText('What is this?');
    expect(mocks.chat.interrupt).toHaveBeenCalledWith({ turnId: 't0', heardSamples: 4800 });
    expect(mocks.chat.send).toHaveBeenCalledWith(expect.objectContaining({ text: 'What is this?', attachments: [photo], micAudio: false, speak: true }));
  });

  it('opens the engine stream before a typed question whose reply is spoken, so no speech is missed', async () => {
    const { state, link, mocks, preferences, emitTurn } = setup();
    await state().sendText('Hello');
    expect(link.open.mock.invocationCallOrder[0]).toBeLessThan(mocks.chat.send.mock.invocationCallOrder[0]);
    emitTurn({ type: 'done', turnId: 'id2', text: 'Hi!', interrupted: false, speechSamples: 0 });
    preferences.speak = false;
    await state().sendText('Quietly');
    expect(link.open).toHaveBeenCalledTimes(1);
    expect(mocks.chat.send.mock.lastCall?.[0]).toMatchObject({ speak: false });
  });
});
