// A tiny JavaScript Executor for the protocol tests (the real one compiles
// TypeScript): cells run in one vm context with breakOnSigint, so a
// `while (true) {}` cell is interrupted by SIGINT (interrupt_request raises it).
"use strict";
const vm = require("vm");
const util = require("util");

class FakeExecutor {
  constructor() {
    this.io = null;
    this.interruptCell = null;
    const self = this;
    const out = (name) => (...args) => self.io && self.io.stream(name, util.format(...args) + "\n");
    this.context = vm.createContext({
      console: { log: out("stdout"), error: out("stderr"), info: out("stdout"), warn: out("stderr") },
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      Promise,
      Buffer,
      process: { stdout: { write: (s) => self.io && self.io.stream("stdout", String(s)) } },
      display: (data, opts = {}) => self.io.display(data, opts.metadata || {}, opts.displayId ? { display_id: opts.displayId } : {}, !!opts.update),
      clearOutput: (wait = false) => self.io.clearOutput(wait),
      input: (prompt = "", password = false) => self.io.input(prompt, password),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      never: () => new Promise(() => {}),
      busyWait: (ms) => {
        const t = Date.now();
        while (Date.now() - t < ms) {}
      },
    });
  }

  async execute(code, io) {
    this.io = io;
    try {
      let value = vm.runInContext(code, this.context, { filename: "cell.js", breakOnSigint: true });
      if (value && typeof value.then === "function") {
        value = await Promise.race([
          value,
          new Promise((_, reject) => {
            this.interruptCell = () => reject(Object.assign(new Error("Interrupted"), { name: "KeyboardInterrupt" }));
          }),
        ]);
      }
      if (value === undefined) return { status: "ok" };
      return { status: "ok", result: { "text/plain": util.inspect(value) } };
    } catch (e) {
      // errors from the vm context are not `instanceof Error` of this realm
      const isErr = e !== null && typeof e === "object" && "message" in e;
      let ename = isErr ? String(e.name || "Error") : "Error";
      const evalue = isErr ? String(e.message) : String(e);
      if (/Script execution (was )?interrupted/.test(evalue)) ename = "KeyboardInterrupt";
      return { status: "error", error: { ename, evalue, traceback: String((isErr && e.stack) || evalue).split("\n") } };
    } finally {
      this.interruptCell = null;
    }
  }

  interrupt() {
    if (this.interruptCell) this.interruptCell();
  }

  complete(code, cursorPos) {
    const m = /[A-Za-z_$][\w$]*$/.exec(code.slice(0, cursorPos));
    const prefix = m ? m[0] : "";
    const names = Object.getOwnPropertyNames(this.context).filter((n) => n.startsWith(prefix)).sort();
    return { matches: names, cursor_start: cursorPos - prefix.length, cursor_end: cursorPos, metadata: {} };
  }

  inspect(code, cursorPos) {
    const m = /[A-Za-z_$][\w$]*$/.exec(code.slice(0, cursorPos));
    if (!m || !(m[0] in this.context)) return { found: false, data: {}, metadata: {} };
    return { found: true, data: { "text/plain": `${m[0]}: ${typeof this.context[m[0]]}` }, metadata: {} };
  }

  isComplete(code) {
    let depth = 0;
    for (const c of code) depth += c === "{" || c === "(" || c === "[" ? 1 : c === "}" || c === ")" || c === "]" ? -1 : 0;
    if (depth > 0) return { status: "incomplete", indent: "  " };
    if (depth < 0) return { status: "invalid" };
    return { status: "complete" };
  }

  close() {}
}

module.exports = { FakeExecutor };
