/**
 * Push-to-talk and the spoken side of the conversation.
 *
 * Talking: idle → opening (microphone and engine stream, first time only) → listening (frames stream to the
 * engine while the key is held) → sending (release: the worklet's last partial frame, `mic.end`, the engine's
 * `mic.received`, then `chat.send` with the attachments tray) → idle. A hold shorter than MIN_HELD_SAMPLES is
 * dropped with a hint; one that reaches the maximum length is released for the user.
 *
 * Barge-in (desktop-ux.md §4.4): push-to-talk or Stop while the assistant speaks stops playback at once (5 ms
 * fade), and `chat.interrupt` carries the samples actually played, so the transcript keeps only what was heard.
 * The interrupting utterance becomes the next turn once the interrupted one has closed.
 *
 * The microphone stays open for MIC_IDLE_MS after an utterance, so the pre-roll covers the next key press, and
 * is closed after that (the OS shows it in use while open).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ErrorInfo } from '../../../main/ipc/contract';
import type { EngineLink } from '../audio/engineLink';
import { CAPTURE_RATE, SPEECH_RATE } from '../audio/messages';
import type { MicCapture, MicEvents, MicLevel } from '../audio/micCapture';
import { MIN_HELD_SAMPLES, type SendUp } from '../audio/pushToTalkRecorder';
import type { PlayerEvent, SpeechPlayer } from '../audio/speechPlayer';
import type { AttachmentsState } from '../media/attachments';
import { describeDeviceError } from '../media/deviceErrors';
import { activeTurnLoading, type ConversationState, type SavedSpeech } from './conversation';

export type TalkPhase = 'idle' | 'opening' | 'listening' | 'sending';
export type VoiceStatus = 'idle' | 'listening' | 'loading' | 'thinking' | 'speaking' | 'playingQuestion';

export interface Notice {
  message: string;
  hint?: string;
}

type Finished = Extract<PlayerEvent, { type: 'finished' }>;

export interface VoiceState {
  phase: TalkPhase;
  /** The microphone level while listening. */
  level: MicLevel;
  notice?: Notice;
  /** The reply (or replay) being heard now; a recorded question plays as `questionClip(turnId)`. */
  playing?: { turnId: string; replay: boolean };
  /** Samples kept for replay, by turn. */
  speech: Record<string, number>;
  /** The last playback's figures: samples played, underruns, pad. */
  lastPlayback?: Finished;
  press(): void;
  release(): void;
  /** Stops the spoken reply and the turn in progress. */
  stop(): Promise<void>;
  /** Plays a turn's spoken reply again, or with 'user' the question as it was recorded. */
  replay(turnId: string, role?: 'user' | 'assistant'): Promise<void>;
  sendText(text: string): Promise<void>;
  /** Sets up speech playback ahead of use (see SpeechPlayer.create), while the page is idle. */
  prepare(): void;
  dismissNotice(): void;
}

export type Microphone = Pick<MicCapture, 'start' | 'stop' | 'cancel' | 'close'>;
export type Player = Pick<SpeechPlayer, 'chunk' | 'end' | 'replay' | 'interrupt' | 'onEvent' | 'recording' | 'decode' | 'setOutput'>;

/** The settings this store follows, read when they matter: a new choice applies at the next use. */
export interface VoicePreferences {
  /** Replies are spoken (main applies the same setting to what reaches the engine). */
  speak: boolean;
  /** `MediaDeviceInfo.deviceId`s; null is the system default. */
  input: string | null;
  output: string | null;
}

export interface VoiceDeps {
  conversation: StoreApi<ConversationState>;
  attachments: StoreApi<AttachmentsState>;
  link: EngineLink;
  preferences(): VoicePreferences;
  openMicrophone(device: string | null, send: SendUp, events: MicEvents): Promise<Microphone>;
  createPlayer(): Promise<Player>;
  /** Stores a turn's audio beside its message: the question as recorded, the reply as heard. */
  saveAudio(turnId: string, role: 'user' | 'assistant', sampleRate: 16000 | 24000, pcm: Float32Array): Promise<SavedSpeech>;
  /** Reads a stored media file: a saved reply, replayed after a reload. */
  readMedia(file: string): Promise<Uint8Array>;
  newId?: () => string;
}

export const MIC_IDLE_MS = 60_000;

/** The player's name for a turn's recorded question; its reply plays under the turn id itself. */
export const questionClip = (turnId: string) => `${turnId}${QUESTION_CLIP}`;
const QUESTION_CLIP = '#question';
/** How long a new voice turn waits for the one it interrupted to close. */
export const TURN_CLOSE_TIMEOUT_MS = 3000;

const SILENT: MicLevel = { rms: 0, peak: 0 };
const TOO_SHORT: Notice = { message: 'Too short to send: hold the talk key or button while you speak.' };
const DISCONNECTED: Notice = { message: 'The microphone was disconnected.', hint: 'Connect it again, or choose another input device in Settings.' };

const isErrorInfo = (error: unknown): error is ErrorInfo =>
  // Not a DOMException, whose legacy numeric `code` would pass a looser test.
  !!error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' && 'message' in error && typeof error.message === 'string';

/**
 * What the user sees now: their own voice first, then the assistant's, then a turn in progress — waiting for its
 * model while the turn says so or the engine is opening one (`engineOpening`), which holds up every turn.
 */
export function voiceStatus(
  voice: Pick<VoiceState, 'phase' | 'playing'>,
  conversation: Pick<ConversationState, 'activeTurnId' | 'messages'>,
  engineOpening = false,
): VoiceStatus {
  if (voice.phase === 'opening' || voice.phase === 'listening') return 'listening';
  // The user's own recorded question is not the assistant speaking.
  if (voice.playing) return voice.playing.turnId.endsWith(QUESTION_CLIP) ? 'playingQuestion' : 'speaking';
  if (activeTurnLoading(conversation) || (conversation.activeTurnId && engineOpening)) return 'loading';
  return voice.phase === 'sending' || conversation.activeTurnId ? 'thinking' : 'idle';
}

/** The meter's fill, 0–100: RMS in dBFS from −60 (silence to the ear) to 0, as speech spans it evenly. */
export function levelPercent({ rms }: MicLevel): number {
  const db = 20 * Math.log10(Math.max(rms, 1e-6));
  return Math.round(Math.min(100, Math.max(0, ((db + 60) / 60) * 100)));
}

export function createVoiceStore(deps: VoiceDeps) {
  const { conversation, attachments, link } = deps;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  return createStore<VoiceState>()((set, get) => {
    let microphone: Promise<Microphone> | undefined;
    /** The input device the open microphone was opened on. */
    let microphoneDevice: string | null = null;
    let player: Promise<Player> | undefined;
    let releasedWhileOpening = false;
    let bargeIn: Promise<void> = Promise.resolve();
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const closeMicrophone = () => {
      const closing = microphone;
      microphone = undefined;
      void closing?.then((mic) => mic.close(), () => undefined);
    };
    const scheduleClose = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => get().phase === 'idle' && closeMicrophone(), MIC_IDLE_MS);
    };

    const openMicrophone = () => {
      if (microphone) return microphone;
      microphoneDevice = deps.preferences().input;
      return (microphone = deps
        .openMicrophone(microphoneDevice, link.post, {
          level: (level) => set({ level }),
          full: () => get().release(),
          // Closing also cancels an utterance in progress: half a question is not sent.
          ended: () => {
            closeMicrophone();
            set({ phase: 'idle', level: SILENT, notice: DISCONNECTED });
          },
        })
        .catch((error: unknown) => {
          microphone = undefined;
          throw error;
        }));
    };

    const save = (turnId: string, role: 'user' | 'assistant', sampleRate: 16000 | 24000, pcm: Float32Array) =>
      deps.saveAudio(turnId, role, sampleRate, pcm).then(
        // The message now knows its file, so it replays from there once the page's own copy is gone.
        (speech) => conversation.setState((s) => ({ messages: s.messages.map((m) => (m.role === role && m.turnId === turnId ? { ...m, speech } : m)) })),
        (error: unknown) => {
          const info = isErrorInfo(error) ? error : { message: String(error) };
          set({ notice: { message: `The ${role === 'user' ? 'recording' : 'spoken reply'} could not be saved with the conversation: ${info.message}` } });
        },
      );

    const onPlayerEvent = (source: Player, event: PlayerEvent) => {
      if (event.type === 'started') {
        set({ playing: { turnId: event.turnId, replay: event.replay } });
        return;
      }
      set((s) => ({
        playing: s.playing?.turnId === event.turnId && s.playing.replay === event.replay ? undefined : s.playing,
        speech: { ...s.speech, [event.turnId]: event.recordedSamples },
        lastPlayback: event,
      }));
      // A live reply is over: keep what was heard of it with the conversation.
      const heard = event.replay ? undefined : source.recording(event.turnId);
      if (heard) void save(event.turnId, 'assistant', SPEECH_RATE, heard);
    };
    const openPlayer = () =>
      (player ??= deps.createPlayer().then(
        (created) => {
          created.onEvent((event) => onPlayerEvent(created, event));
          return created;
        },
        (error: unknown) => {
          player = undefined;
          throw error;
        },
      ));
    const routeOutput = (p: Player) =>
      p.setOutput(deps.preferences().output).catch((error: unknown) =>
        set({ notice: { ...describeDeviceError('speaker', error), hint: 'Playing through the system’s default output instead.' } }),
      );
    const withPlayer = (use: (player: Player) => void | Promise<void>) =>
      openPlayer()
        .then((p) => {
          void routeOutput(p);
          return use(p);
        })
        .catch((error: unknown) => {
          const message = isErrorInfo(error) || error instanceof Error ? error.message : String(error);
          set({ notice: { message: `Speech cannot be played: ${message}` } });
        });

    link.onMessage((message) => {
      if (message.type === 'speech.chunk') {
        // The engine is trusted, but a malformed chunk must not take the page down with a RangeError.
        if (!(message.pcm instanceof ArrayBuffer) || message.pcm.byteLength % 4 !== 0 || message.sampleRate !== SPEECH_RATE) return;
        const pcm = new Float32Array(message.pcm);
        void withPlayer((p) => p.chunk(message.turnId, pcm));
      } else if (message.type === 'speech.end') {
        void withPlayer((p) => p.end(message.turnId));
      }
    });

    /** Stops playback; a live reply cut short is reported with what was heard. Returns that reply's turn. */
    const stopPlayback = async (): Promise<string | undefined> => {
      const current = await player?.catch(() => undefined);
      const report = await current?.interrupt();
      if (!report || report.replay) return undefined;
      await conversation.getState().interrupt(report.turnId, report.samplesPlayed);
      return report.turnId;
    };
    const interruptReply = async () => {
      const reported = await stopPlayback();
      const active = conversation.getState().activeTurnId;
      if (active && active !== reported) await conversation.getState().interrupt(active);
    };
    const turnClosed = () =>
      new Promise<boolean>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          unsubscribe();
          resolve(!conversation.getState().activeTurnId);
        };
        const unsubscribe = conversation.subscribe((s) => !s.activeTurnId && done());
        const timer = setTimeout(done, conversation.getState().activeTurnId ? TURN_CLOSE_TIMEOUT_MS : 0);
      });

    const listen = async () => {
      try {
        const [mic] = await Promise.all([openMicrophone(), link.open()]);
        if (releasedWhileOpening) {
          set({ phase: 'idle', notice: TOO_SHORT });
          scheduleClose();
          return;
        }
        mic.start(newId());
        set({ phase: 'listening' });
      } catch (error) {
        set({ phase: 'idle', notice: isErrorInfo(error) ? { message: error.message, hint: error.hint } : describeDeviceError('microphone', error) });
      }
    };

    const sendUtterance = async () => {
      try {
        const utterance = await (await openMicrophone()).stop();
        if (!utterance) return;
        if (utterance.heldSamples < MIN_HELD_SAMPLES) {
          link.post({ type: 'mic.cancel', turnId: utterance.turnId });
          set({ notice: TOO_SHORT });
          return;
        }
        const samples = await link.received(utterance.turnId);
        await bargeIn;
        if (!(await turnClosed())) {
          link.post({ type: 'mic.cancel', turnId: utterance.turnId });
          set({ notice: { message: 'The previous answer is still stopping, so your voice message was not sent.', hint: 'Try again in a moment.' } });
          return;
        }
        const voice = { turnId: utterance.turnId, samples };
        await conversation.getState().send({ text: '', attachments: attachments.getState().take(), voice, speak: deps.preferences().speak });
        void save(utterance.turnId, 'user', CAPTURE_RATE, utterance.pcm);
      } catch (error) {
        const info = isErrorInfo(error) ? error : { message: String(error), hint: undefined };
        set({ notice: { message: `Your voice message did not reach the engine: ${info.message}`, hint: info.hint } });
      } finally {
        set({ phase: 'idle', level: SILENT });
        scheduleClose();
      }
    };

    return {
      phase: 'idle',
      level: SILENT,
      speech: {},
      press: () => {
        if (get().phase !== 'idle') return;
        clearTimeout(idleTimer);
        if (microphone && microphoneDevice !== deps.preferences().input) closeMicrophone();
        releasedWhileOpening = false;
        set({ phase: 'opening', level: SILENT, notice: undefined });
        // Inside the key or pointer gesture, so the output context may start; speech fails on its own, not the mic.
        openPlayer().catch(() => undefined);
        bargeIn = interruptReply();
        void listen();
      },
      release: () => {
        const { phase } = get();
        if (phase === 'opening') releasedWhileOpening = true;
        if (phase !== 'listening') return;
        set({ phase: 'sending', level: SILENT });
        void sendUtterance();
      },
      stop: interruptReply,
      replay: async (turnId, role = 'assistant') => {
        await stopPlayback();
        const clip = role === 'assistant' ? turnId : questionClip(turnId);
        const saved = conversation.getState().messages.find((m) => m.role === role && m.turnId === turnId)?.speech;
        await withPlayer(async (p) => {
          if (p.replay(clip) || !saved) return;
          // Decoding resamples to the player's 24 kHz, so a 16 kHz question plays at its own pitch.
          p.replay(clip, await p.decode(await deps.readMedia(saved.file)));
        });
      },
      sendText: async (text) => {
        if (conversation.getState().activeTurnId) return;
        await stopPlayback();
        const { speak } = deps.preferences();
        // Speech goes to the streams open when it comes; without one the reply would only be read. A stream
        // that cannot open leaves the reply written, which the turn shows anyway.
        if (speak) await Promise.all([link.open(), openPlayer()]).catch(() => undefined);
        await conversation.getState().send({ text, attachments: attachments.getState().take(), speak });
      },
      prepare: () => void openPlayer().catch(() => undefined),
      dismissNotice: () => set({ notice: undefined }),
    };
  });
}
