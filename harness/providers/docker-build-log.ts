/**
 * What a Docker image build printed, read from the engine's build stream: the classic builder's `stream`
 * lines, or BuildKit's `moby.buildkit.trace` messages (`aux`, a base64 protobuf `StatusResponse` of
 * moby/buildkit's control API: vertexes with their name and error, and the log lines of each vertex). A
 * failed build is summarised as the failing step and its last lines, e.g.
 * `step [notes-source-release 1/1] RUN .../fetch-release.sh notes ... failed: nc-oauth-lab: download of
 * notes 5.0.2 from http://mirror.invalid/notes-v5.0.2.tar.gz failed: curl: (6) Could not resolve host`.
 */

/** One line of the engine's build stream. */
export interface BuildStreamLine {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  id?: string;
  aux?: unknown;
}

interface Field {
  no: number;
  wire: number;
  bytes?: Buffer;
  int?: number;
}

/** The fields of one protobuf message (varint and length-delimited values; fixed ones skipped). */
function protobufFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) fields.push({ no, wire, int: varint() });
    else if (wire === 2) {
      const length = varint();
      if (pos + length > buf.length) throw new Error('truncated field');
      fields.push({ no, wire, bytes: buf.subarray(pos, pos + length) });
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

const text = (f: Field | undefined): string => f?.bytes?.toString('utf8') ?? '';

/** A build step (a BuildKit vertex, or the classic builder's "Step N/M"). */
export interface BuildStep {
  name: string;
  error?: string;
  log: string;
  /** What the step wrote to stderr (BuildKit keeps the streams apart; the classic builder does not). */
  stderr: string;
}

/** Collects the steps of a build from its stream lines, in the order they appeared. */
export class BuildLog {
  private readonly steps = new Map<string, BuildStep>();
  private classic = '';
  private classicStep: BuildStep | undefined;
  /** The engine's own error line (the last one), if any. */
  engineError: string | undefined;

  push(line: BuildStreamLine): void {
    if (line.errorDetail?.message !== undefined || line.error !== undefined) this.engineError = line.errorDetail?.message ?? line.error;
    if (typeof line.stream === 'string') this.pushClassic(line.stream);
    if (line.id === 'moby.buildkit.trace' && typeof line.aux === 'string') {
      try {
        this.pushTrace(Buffer.from(line.aux, 'base64'));
      } catch {
        // a message this decoder does not understand: the engine's error line still says what failed
      }
    }
  }

  private step(id: string): BuildStep {
    let s = this.steps.get(id);
    if (!s) {
      s = { name: '', log: '', stderr: '' };
      this.steps.set(id, s);
    }
    return s;
  }

  private pushClassic(chunk: string): void {
    this.classic += chunk;
    for (const m of chunk.matchAll(/^Step \d+\/\d+ : (.*)$/gm)) {
      this.classicStep = this.step(`classic-${this.steps.size}`);
      this.classicStep.name = m[1]!.trim();
    }
    if (this.classicStep && !/^Step \d+\/\d+ : /m.test(chunk)) this.classicStep.log += chunk;
  }

  /** StatusResponse: 1 vertexes (Vertex: 1 digest, 3 name, 7 error), 3 logs (VertexLog: 1 vertex, 4 msg). */
  private pushTrace(buf: Buffer): void {
    for (const f of protobufFields(buf)) {
      if (!f.bytes) continue;
      if (f.no === 1) {
        const v = protobufFields(f.bytes);
        const digest = text(v.find((x) => x.no === 1));
        const s = this.step(digest);
        const name = text(v.find((x) => x.no === 3));
        if (name) s.name = name;
        const error = text(v.find((x) => x.no === 7));
        if (error) s.error = error;
      } else if (f.no === 3) {
        const l = protobufFields(f.bytes);
        const s = this.step(text(l.find((x) => x.no === 1)));
        const msg = text(l.find((x) => x.no === 4));
        s.log += msg;
        if (l.find((x) => x.no === 3)?.int === 2) s.stderr += msg;
      }
    }
  }

  /** Every step seen, in order. */
  allSteps(): BuildStep[] {
    return [...this.steps.values()];
  }

  /** The step that failed: BuildKit's vertex with an error, or the classic builder's last step. */
  failedStep(): BuildStep | undefined {
    // When one step fails BuildKit cancels the others, which then carry errors of their own ("context
    // canceled", "container process is already dead"): the failed one is the step the engine's error names.
    const withError = this.allSteps().filter((s) => s.error && !/^(context )?canceled/i.test(s.error));
    const engine = this.engineError ?? '';
    const named = withError.find((s) => engine !== '' && (engine.includes(s.error!) || s.error!.includes(engine)));
    if (named) return named;
    const exited = withError.find((s) => /did not complete successfully|returned a non-zero code/.test(s.error!));
    if (exited) return exited;
    if (withError.length > 0) return withError.at(-1);
    return this.engineError && this.classicStep ? this.classicStep : undefined;
  }

  /**
   * One line: the failing step and its last `lines` lines of stderr, or of its output when it wrote no
   * stderr (BuildKit's `#N 0.123 ` prefixes removed),
   * or the engine's error when no step failed (a missing base image, a bad Dockerfile).
   */
  failureSummary(lines = 3): string {
    const step = this.failedStep();
    const engine = (this.engineError ?? 'the build failed').trim().split('\n').filter(Boolean).at(-1) ?? 'the build failed';
    if (!step) return engine;
    // The step's stderr holds the reason (our scripts write their errors there); else its whole output.
    const tail = (step.stderr.trim() !== '' ? step.stderr : step.log)
      .split(/\r?\n/)
      .map((l) => l.replace(/^#\d+ \d+(\.\d+)? /, '').trim())
      .filter((l) => l !== '' && !/^-+>/.test(l) && !/^Removing intermediate container/.test(l))
      .slice(-lines);
    const base = /^\[internal\] load metadata for (\S+)/.exec(step.name)?.[1];
    if (base) return `base image ${base} is not on this engine and cannot be pulled: ${(step.error ?? engine).split('\n')[0]}`;
    const name = step.name.length > 140 ? `${step.name.slice(0, 137)}...` : step.name;
    return `step ${name || '(unnamed)'} failed${tail.length > 0 ? `: ${tail.join(' | ')}` : `: ${step.error ?? engine}`}`;
  }
}
