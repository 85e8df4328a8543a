/**
 * The contract between the protocol server (server.ts) and the cell executor
 * (executor.ts): the server owns sockets, messages and ordering; the executor
 * owns compiling and running TypeScript cells. Nothing here touches zeromq.
 */

/** A Jupyter MIME bundle: MIME type to data (a string, or a JSON object for JSON types). */
export type MimeBundle = Record<string, unknown>;

/** Where a running cell's side output goes; the server turns each call into an iopub message. */
export interface CellIO {
  /** stdout / stderr text (the server coalesces and flushes it in order) */
  stream(name: "stdout" | "stderr", text: string): void;
  /** display_data, or update_display_data when `update` is true */
  display(data: MimeBundle, metadata: Record<string, unknown>, transient: { display_id?: string }, update: boolean): void;
  /** clear_output */
  clearOutput(wait: boolean): void;
  /** input_request over stdin; resolves with the user's reply (rejects when the front end does not allow stdin) */
  input(prompt: string, password: boolean): Promise<string>;
}

/** The error of a failed cell, as an `error` message carries it. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** What running a cell produced. */
export interface ExecuteOutcome {
  status: "ok" | "error";
  /** the bundle of the cell's last expression (execute_result), if it has a value */
  result?: MimeBundle;
  error?: CellError;
  /** execute_reply payloads (for example the pager for help(x)) */
  payload?: Array<Record<string, unknown>>;
}

/** complete_reply's content fields. */
export interface CompleteOutcome {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: Record<string, unknown>;
}

/** inspect_reply's content fields. */
export interface InspectOutcome {
  found: boolean;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** is_complete_reply's content fields. */
export interface IsCompleteOutcome {
  status: "complete" | "incomplete" | "invalid" | "unknown";
  indent?: string;
}

/** The executor the server drives; one per kernel process. */
export interface Executor {
  /**
   * Compiles and runs one cell. Output that the cell causes after it returned
   * (timers, promises) must still reach `io` of this cell.
   */
  execute(code: string, io: CellIO): Promise<ExecuteOutcome>;
  /** Stops the running cell (interrupt_request in message mode, or SIGINT): it then fails with a KeyboardInterrupt-style error. */
  interrupt(): void;
  complete(code: string, cursorPos: number): CompleteOutcome;
  inspect(code: string, cursorPos: number, detailLevel: number): InspectOutcome;
  isComplete(code: string): IsCompleteOutcome;
  /** Releases resources before the process exits. */
  close(): void;
}
