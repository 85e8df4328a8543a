/**
 * The tests' Jupyter client: the production one (kernel/src/client.ts) plus
 * what only tests need: sending raw (malformed) frames, and starting the kernel
 * from the repository root with the tests' environment.
 */
import * as path from "path";
import { KernelClient as BaseClient, freePorts, makeConnection, startKernel as startKernelProcess } from "../../kernel/src/client";
import type { KernelProcess } from "../../kernel/src/client";
import type { ConnectionInfo } from "../../kernel/src/wire";

export type { KernelProcess, Reply } from "../../kernel/src/client";
export { freePorts, makeConnection };

export class KernelClient extends BaseClient {
  override username = "test";

  /** Sends raw frames (for malformed-message tests). */
  async sendRaw(ch: "shell" | "control" | "stdin", frames: Array<Buffer | string>) {
    await this[ch].send(frames as Buffer[]);
  }
}

/** Starts `node dist/kernel/src/main.js conn.json [args]` from the repository root with a fresh connection file. */
export function startKernel(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  key?: string,
  /** rewrites the connection (for example to the ipc transport) before the kernel reads it */
  connect?: (c: ConnectionInfo, dir: string) => ConnectionInfo,
): Promise<KernelProcess> {
  const root = path.resolve(__dirname, "../..");
  // NODE_OPTIONS is cleared: jest's --expose-gc is not what a kernel runs with.
  return startKernelProcess({ args, env: { NODE_OPTIONS: "", ...env }, key, connect, cwd: root, mainJs: path.join(root, "dist/kernel/src/main.js") });
}
