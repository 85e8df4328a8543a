/**
 * Input history across sessions (history_request: tail, range, search), kept
 * as JSON lines in a file so it survives kernel restarts:
 *
 *   {"session": 3, "line": 12, "source": "x + 1", "output": "2", "date": "..."}
 *
 * The file is $TORCHLAB_HISTORY_FILE, else $JUPYTER_DATA_DIR/torchlab/history.jsonl,
 * else ~/.local/share/jupyter/torchlab/history.jsonl. Sessions are numbered
 * like IPython's: each kernel process takes the next number; in a range
 * request session 0 (or none) is the current one and negative numbers count back.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface HistoryEntry {
  session: number;
  line: number;
  source: string;
  output?: string | null;
  date?: string;
}

/** history_request content (all fields optional; defaults as ipykernel's). */
export interface HistoryQuery {
  hist_access_type?: string;
  output?: boolean;
  raw?: boolean;
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

/** One history_reply item: [session, line, source] or [session, line, [source, output]]. */
export type HistoryItem = [number, number, string | [string, string | null]];

export function defaultHistoryFile(): string {
  if (process.env.TORCHLAB_HISTORY_FILE) return process.env.TORCHLAB_HISTORY_FILE;
  const dataDir = process.env.JUPYTER_DATA_DIR || path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share"), "jupyter");
  return path.join(dataDir, "torchlab", "history.jsonl");
}

/** Shell-style glob (`*`, `?`, `[...]`) matched against the whole string, as SQLite's GLOB (IPython's search). */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith("^")) body = "^" + body.slice(1).replace(/\\/g, "\\\\");
        else body = body.replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export class History {
  private entries: HistoryEntry[] | null = null;
  private sessionNo = 0;
  private writable = true;

  constructor(readonly file: string = defaultHistoryFile(), private readonly maxEntries = 100_000) {}

  /** The number of this kernel's session (reading the file on first use). */
  get session(): number {
    this.load();
    return this.sessionNo;
  }

  private load(): HistoryEntry[] {
    if (this.entries) return this.entries;
    const entries: HistoryEntry[] = [];
    let text = "";
    try {
      text = fs.readFileSync(this.file, "utf8");
    } catch {
      /* no history yet */
    }
    let maxSession = 0;
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line);
        if (e && typeof e.session === "number" && typeof e.line === "number" && typeof e.source === "string") {
          entries.push({ session: e.session, line: e.line, source: e.source, output: typeof e.output === "string" ? e.output : null });
          if (e.session > maxSession) maxSession = e.session;
        }
      } catch {
        /* a torn line (two kernels writing at once): skip it */
      }
    }
    this.entries = entries.length > this.maxEntries ? entries.slice(entries.length - this.maxEntries) : entries;
    this.sessionNo = maxSession + 1;
    return this.entries;
  }

  /** Records one executed cell of this session. Never throws (history is best effort). */
  store(line: number, source: string, output?: string | null): void {
    const entries = this.load();
    const e: HistoryEntry = { session: this.sessionNo, line, source, output: output ?? null };
    entries.push(e);
    if (!this.writable) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.appendFileSync(this.file, JSON.stringify({ ...e, date: new Date().toISOString() }) + "\n");
    } catch (err) {
      this.writable = false;
      try {
        fs.writeSync(2, `[torchlab kernel] history is not saved (${(err as Error).message})\n`);
      } catch {
        /* no stderr */
      }
    }
  }

  /** Attaches the text output of a cell already stored (execute_result's text/plain). */
  setOutput(line: number, output: string): void {
    const entries = this.load();
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e.session === this.sessionNo && e.line === line) {
        e.output = output;
        return;
      }
      if (e.session !== this.sessionNo) return;
    }
  }

  /** Answers a history_request: the `history` list of history_reply. */
  query(q: HistoryQuery): HistoryItem[] {
    const entries = this.load();
    const output = q.output === true;
    const item = (e: HistoryEntry): HistoryItem => [e.session, e.line, output ? [e.source, e.output ?? null] : e.source];
    const n = typeof q.n === "number" && Number.isFinite(q.n) && q.n >= 0 ? Math.floor(q.n) : null;
    const unique = (list: HistoryEntry[]): HistoryEntry[] => {
      // keep the latest occurrence of each source, in order
      const seen = new Set<string>();
      const out: HistoryEntry[] = [];
      for (let i = list.length - 1; i >= 0; i--) {
        if (seen.has(list[i].source)) continue;
        seen.add(list[i].source);
        out.push(list[i]);
      }
      return out.reverse();
    };
    const last = (list: HistoryEntry[]): HistoryEntry[] => (n === null ? list : n === 0 ? [] : list.slice(-n));
    switch (q.hist_access_type ?? "range") {
      case "tail": {
        let list = entries;
        if (q.unique) list = unique(list);
        return last(list).map(item);
      }
      case "search": {
        const re = globToRegExp(typeof q.pattern === "string" && q.pattern !== "" ? q.pattern : "*");
        let list = entries.filter((e) => re.test(e.source));
        if (q.unique) list = unique(list);
        return last(list).map(item);
      }
      case "range": {
        let session = typeof q.session === "number" ? Math.trunc(q.session) : 0;
        if (session <= 0) session = this.sessionNo + session;
        const start = typeof q.start === "number" ? q.start : 1;
        const stop = typeof q.stop === "number" ? q.stop : null;
        return entries.filter((e) => e.session === session && e.line >= start && (stop === null || e.line < stop)).map(item);
      }
      default:
        return [];
    }
  }
}
