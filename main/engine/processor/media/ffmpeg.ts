/**
 * The ffmpeg executable: where it is and how to run it safely. Every decode of a compressed audio or video file goes
 * through here, so a broken or hostile file can cost at most a timeout and a bounded amount of memory — ffmpeg is
 * killed when it runs too long or writes more than the caller expects, and its stderr becomes the error message.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type ErrorCode, OmniError } from '../../errors';

const packageRequire = createRequire(import.meta.url);

/** Only the tail of stderr matters for a message; a chatty ffmpeg must not grow memory without bound. */
const STDERR_KEEP_BYTES = 16 * 1024;

/**
 * Path of the ffmpeg to use: `FFMPEG_PATH`, else the optional `ffmpeg-static` package (npm drops it silently when
 * its download fails offline), else `ffmpeg` on PATH.
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.FFMPEG_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new OmniError(
      'FFMPEG_NOT_FOUND',
      `FFMPEG_PATH is set to ${fromEnv}, which is not an executable file`,
      'Point FFMPEG_PATH at an ffmpeg binary, or unset it to use the bundled or system ffmpeg.',
    );
  }
  const bundled = ffmpegStaticPath();
  if (bundled) return bundled;
  const onPath = searchPath('ffmpeg', env);
  if (onPath) return onPath;
  throw new OmniError(
    'FFMPEG_NOT_FOUND',
    'ffmpeg was not found (tried FFMPEG_PATH, the ffmpeg-static package and ffmpeg on PATH)',
    'Install ffmpeg (e.g. `apt install ffmpeg`, `brew install ffmpeg`, `winget install ffmpeg`) or set FFMPEG_PATH to an ffmpeg binary.',
  );
}

function ffmpegStaticPath(): string | undefined {
  let resolved: unknown;
  try {
    resolved = packageRequire('ffmpeg-static');
  } catch {
    return undefined;
  }
  if (typeof resolved !== 'string') return undefined;
  // Inside a packaged app the package path points into app.asar, which cannot be executed; electron-builder unpacks it.
  const unpacked = resolved.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  return [unpacked, resolved].find(isExecutable);
}

function searchPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext.toLowerCase());
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface RunFfmpegOptions {
  timeoutMs: number;
  /** ffmpeg is killed once its stdout exceeds this; the bound on memory a decode may take. */
  maxOutputBytes: number;
  /** Fed to ffmpeg's stdin; pass `-i pipe:0` in `args` to read it. */
  input?: Uint8Array;
  /** What the user calls the input, for messages; defaults to the `-i` argument. */
  subject?: string;
  /** Code of the OmniError thrown when ffmpeg fails. */
  errorCode?: ErrorCode;
  ffmpegPath?: string;
}

interface Finished {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/** Runs ffmpeg (with `-hide_banner`) and returns its stdout; rejects with stderr's last lines if it fails. */
export async function runFfmpeg(args: string[], options: RunFfmpegOptions): Promise<Buffer> {
  const result = await execute(args, options);
  if (result.exitCode !== 0) {
    throw new OmniError(
      options.errorCode ?? 'INTERNAL',
      `${subjectOf(args, options)}: ffmpeg failed (exit ${result.exitCode}): ${lastLines(result.stderr)}`,
    );
  }
  return result.stdout;
}

function execute(args: string[], options: RunFfmpegOptions): Promise<Finished> {
  const ffmpeg = options.ffmpegPath ?? findFfmpeg();
  const subject = subjectOf(args, options);
  const fail = (message: string) => new OmniError(options.errorCode ?? 'INTERNAL', `${subject}: ${message}`);
  const fullArgs = ['-hide_banner', ...(options.input ? [] : ['-nostdin']), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, fullArgs, { stdio: 'pipe', windowsHide: true });
    const chunks: Buffer[] = [];
    let outputBytes = 0;
    let stderr = '';
    let failure: OmniError | undefined;
    const stop = (error: OmniError) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(fail(`ffmpeg did not finish within ${options.timeoutMs / 1000} s and was stopped`)),
      options.timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > options.maxOutputBytes) {
        stop(fail(`decoded data exceeds ${formatBytes(options.maxOutputBytes)}; ffmpeg was stopped`));
      } else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    // ffmpeg may stop reading early (bad data, enough frames); the broken pipe is expected then, not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT' || error.code === 'EACCES'
          ? new OmniError('FFMPEG_NOT_FOUND', `Cannot run ffmpeg at ${ffmpeg}: ${error.message}`, 'Set FFMPEG_PATH to a working ffmpeg binary.')
          : fail(`cannot run ffmpeg: ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ stdout: Buffer.concat(chunks, outputBytes), stderr, exitCode: code ?? (signal ? 128 : 1) });
    });
  });
}

function subjectOf(args: string[], options: RunFfmpegOptions): string {
  if (options.subject) return options.subject;
  const input = args.indexOf('-i');
  return input >= 0 && input + 1 < args.length ? args[input + 1] : 'ffmpeg';
}

function lastLines(stderr: string, count = 3): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.length === 0 ? '(no message)' : lines.slice(-count).join(' | ');
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(0)} MiB` : `${bytes} bytes`;
}

export interface MediaStreamInfo {
  index: number;
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment';
  codec: string;
  sampleRate?: number;
  channels?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Cover art of an audio file: shown by ffmpeg as a one-frame video stream. */
  attachedPicture: boolean;
}

export interface MediaInfo {
  container: string;
  /** Absent when the container does not say (live recordings, some WebM). */
  durationSeconds?: number;
  streams: MediaStreamInfo[];
}

export interface ProbeOptions {
  timeoutMs?: number;
  subject?: string;
  errorCode?: ErrorCode;
  ffmpegPath?: string;
}

/**
 * Container, duration and streams of a file (or of bytes), read from what `ffmpeg -i` prints: ffprobe is not always
 * there (ffmpeg-static ships only ffmpeg).
 */
export async function probeMedia(source: string | Uint8Array, options: ProbeOptions = {}): Promise<MediaInfo> {
  const fromBytes = typeof source !== 'string';
  const subject = options.subject ?? (fromBytes ? 'input' : source);
  const { stderr } = await execute(['-i', fromBytes ? 'pipe:0' : source], {
    timeoutMs: options.timeoutMs ?? 30_000,
    maxOutputBytes: 0,
    input: fromBytes ? source : undefined,
    subject,
    errorCode: options.errorCode,
    ffmpegPath: options.ffmpegPath,
  });
  const info = parseFfmpegInfo(stderr);
  if (!info) {
    throw new OmniError(options.errorCode ?? 'INTERNAL', `${subject}: not a readable media file (${lastLines(stderr, 1)})`);
  }
  return info;
}

/** Parses the `Input #0` block that `ffmpeg -i` writes to stderr; undefined when there is none. */
export function parseFfmpegInfo(stderr: string): MediaInfo | undefined {
  const header = /^Input #0, (.+?), from /m.exec(stderr);
  if (!header) return undefined;
  const block = stderr.slice(header.index).split(/^(?:Output|Input #1)/m)[0];
  const duration = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(block);
  const streams: MediaStreamInfo[] = [];
  for (const match of block.matchAll(/^\s*Stream #0:(\d+)[^:]*: (Video|Audio|Subtitle|Data|Attachment): (.*)$/gm)) {
    streams.push(parseStream(Number(match[1]), match[2].toLowerCase() as MediaStreamInfo['type'], match[3]));
  }
  return {
    container: header[1],
    durationSeconds: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : undefined,
    streams,
  };
}

function parseStream(index: number, type: MediaStreamInfo['type'], description: string): MediaStreamInfo {
  const parts = splitTopLevel(description);
  const stream: MediaStreamInfo = { index, type, codec: parts[0].split(' ')[0], attachedPicture: /\(attached pic\)/.test(description) };
  for (const part of parts.slice(1)) {
    const rate = /^(\d+) Hz$/.exec(part);
    const size = /^(\d+)x(\d+)\b/.exec(part);
    const fps = /^(\d+(?:\.\d+)?)(k?) fps$/.exec(part);
    if (rate) stream.sampleRate = Number(rate[1]);
    else if (size) [stream.width, stream.height] = [Number(size[1]), Number(size[2])];
    else if (fps) stream.fps = Number(fps[1]) * (fps[2] ? 1000 : 1);
    else if (type === 'audio' && stream.sampleRate !== undefined && stream.channels === undefined) {
      stream.channels = channelCount(part);
    }
  }
  return stream;
}

/** Splits at commas outside parentheses: `h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 96x64`. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(' || text[i] === '[') depth++;
    else if (text[i] === ')' || text[i] === ']') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

const NAMED_LAYOUTS: Record<string, number> = { mono: 1, stereo: 2, downmix: 2, quad: 4, hexagonal: 6, octagonal: 8 };

function channelCount(layout: string): number | undefined {
  const name = layout.replace(/\(.*\)$/, '');
  if (name in NAMED_LAYOUTS) return NAMED_LAYOUTS[name];
  const counted = /^(\d+) channels$/.exec(name);
  if (counted) return Number(counted[1]);
  const surround = /^(\d+)\.(\d+)$/.exec(name);
  return surround ? Number(surround[1]) + Number(surround[2]) : undefined;
}
