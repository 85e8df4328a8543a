#!/usr/bin/env node
/**
 * The kernel process: `node dist/kernel/src/main.js <connection-file>`
 * (or `--connection-file=FILE`). `--executor=MODULE` runs another Executor
 * (tests use a small fake one); by default the TypeScript executor is used.
 */
import * as path from "path";
import type { Executor } from "./api";
import { KernelServer } from "./server";
import { logToStderr } from "./transport";
import { readConnectionFile } from "./wire";

function usage(): never {
  process.stderr.write("usage: torchlab-kernel-main <connection-file> [--executor=module.js]\n       torchlab-kernel-main --connection-file=FILE\n");
  process.exit(2);
}

function loadExecutor(modulePath: string | undefined): Executor {
  if (modulePath) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(path.resolve(modulePath));
    const Ctor = mod.default ?? mod.TsExecutor ?? mod.Executor ?? mod.FakeExecutor ?? mod;
    return typeof Ctor === "function" ? new Ctor() : (Ctor as Executor);
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { TsExecutor } = require("./executor") as { TsExecutor: new () => Executor };
  return new TsExecutor();
}

export async function main(argv: string[]): Promise<KernelServer> {
  let connectionFile: string | undefined;
  let executorModule: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--connection-file=")) connectionFile = a.slice("--connection-file=".length);
    else if (a === "--connection-file" || a === "-f") connectionFile = argv[++i];
    else if (a.startsWith("--executor=")) executorModule = a.slice("--executor=".length);
    else if (a === "--help" || a === "-h") usage();
    else if (!a.startsWith("-") && connectionFile === undefined) connectionFile = a;
    else logToStderr(`ignoring argument ${a}`);
  }
  if (!connectionFile) usage();
  const connection = readConnectionFile(connectionFile);
  // Bind first (the socket thread answers heartbeats while the executor loads).
  let executor: Executor | null = null;
  const lazy: Executor = {
    execute: (code, io) => executor!.execute(code, io),
    interrupt: () => executor?.interrupt(),
    complete: (code, pos) => executor!.complete(code, pos),
    inspect: (code, pos, d) => executor!.inspect(code, pos, d),
    isComplete: (code) => executor!.isComplete(code),
    close: () => executor?.close(),
  };
  const server = new KernelServer(connection, lazy);
  const started = server.start();
  try {
    executor = loadExecutor(executorModule);
  } catch (e) {
    // Let the socket thread finish binding and stop it before the process exits: zeromq aborts the
    // process (a C++ exception it cannot throw into a terminating thread) when a worker thread is torn
    // down while it creates sockets.
    await started.catch(() => undefined);
    await server.close();
    throw e;
  }
  await started;
  // A front end asks for kernel_info at once and sends the first cell when the user runs it: build
  // the compiler's program meanwhile. A cell that comes sooner waits for it, as it would anyway.
  setTimeout(() => {
    try {
      (executor as { prepare?: () => void } | null)?.prepare?.();
    } catch {
      // the first cell reports whatever is wrong
    }
  }, 0).unref();
  return server;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    logToStderr(`failed to start: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  });
}
