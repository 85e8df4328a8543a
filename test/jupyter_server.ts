// A Jupyter Notebook server for browser tests: on 127.0.0.1, a free port, a random token, and
// every Jupyter directory (data, config, runtime, kernelspecs) inside one temporary directory,
// so the user's own configuration, extensions and kernels play no part.
import { spawn, spawnSync, type ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import type { JupyterFrontEnd } from "../kernel/src/tutorial";

export interface JupyterServer {
  /** The page of `file` (relative to the root), token included. */
  url(file: string): string;
  /** The server's log so far (stdout and stderr), for failure messages. */
  log(): string;
  /** Shuts the kernels and the server down, then kills what is left; never throws. */
  stop(): Promise<void>;
}

/**
 * The major version of a Jupyter Notebook front end (`jupyter notebook --version`), or why there is none.
 * @example notebookVersion(findJupyter(process.env, ["notebook"])!) // 6
 */
export function notebookVersion(frontEnd: JupyterFrontEnd): number | string {
  const r = spawnSync(frontEnd.command, [...frontEnd.args, "--version"], { encoding: "utf8", timeout: 30_000 });
  const m = /^(\d+)\./.exec((r.stdout ?? "").trim());
  return m ? Number(m[1]) : `\`${[frontEnd.command, ...frontEnd.args].join(" ")} --version\` failed: ${r.error?.message ?? r.stderr}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `frontEnd` serving `root`, with the kernelspecs under `jupyterPath`; resolves once
 * its REST API answers (or rejects, with its log, after `timeoutMs`).
 * @example const server = await startNotebookServer({ frontEnd, root, home: tmp, jupyterPath }); await page.goto(server.url("a.ipynb"));
 */
export async function startNotebookServer(options: {
  frontEnd: JupyterFrontEnd;
  root: string;
  home: string;
  jupyterPath: string;
  timeoutMs?: number;
}): Promise<JupyterServer> {
  const { frontEnd, root, home } = options;
  const token = randomBytes(24).toString("hex");
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_TOKEN: token, // not on the command line, where `ps` would show it
    JUPYTER_PATH: options.jupyterPath,
    JUPYTER_DATA_DIR: path.join(home, "data"),
    JUPYTER_CONFIG_DIR: path.join(home, "config"),
    JUPYTER_RUNTIME_DIR: path.join(home, "runtime"),
    IPYTHONDIR: path.join(home, "ipython"),
    TORCHLAB_HISTORY_FILE: path.join(home, "history.jsonl"),
  };
  delete env.NODE_OPTIONS; // jest's --expose-gc is not for the kernel
  const args = [...frontEnd.args, "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0"];
  if (process.getuid?.() === 0) args.push("--allow-root");
  const child: ChildProcess = spawn(frontEnd.command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on("exit", () => ((exited = true), resolve())));
  child.on("error", (e) => (log += `spawn error: ${e.message}\n`));

  const base = `http://127.0.0.1:${port}`;
  // node:http without an agent: no kept-alive socket holds jest open after the tests
  const api = (method: string, p: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request(base + p, { method, agent: false, timeout: 10_000, headers: { Authorization: `token ${token}` } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${p}: no answer within 10 s`)));
      req.on("error", reject);
      req.end();
    });

  const kernelPids = (): number[] => {
    // Jupyter starts each kernel in a session of its own, so killing the server's process
    // leaves them; find the ones whose connection file lies in our runtime directory.
    const pids: number[] = [];
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(env.JUPYTER_RUNTIME_DIR!)) pids.push(Number(pid));
      } catch {
        // gone already
      }
    }
    return pids;
  };

  const stop = async (): Promise<void> => {
    try {
      const r = await api("GET", "/api/kernels");
      for (const k of JSON.parse(r.body) as Array<{ id: string }>) await api("DELETE", `/api/kernels/${k.id}`);
    } catch {
      // the server may be down already; the kills below still run
    }
    if (!exited) child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer); // a pending timer would keep jest waiting
    if (!exited) child.kill("SIGKILL");
    if (process.platform === "linux") for (const pid of kernelPids()) process.kill(pid, "SIGKILL");
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`Jupyter exited before it answered on ${base}; its log:\n${log}`);
    try {
      const r = await api("GET", "/api/status");
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Jupyter did not answer on ${base}/api/status within ${options.timeoutMs ?? 60_000} ms; its log:\n${log}`);
    }
    await sleep(250);
  }
  return {
    url: (file) => `${base}/notebooks/${file.split("/").map(encodeURIComponent).join("/")}?token=${token}`,
    log: () => log,
    stop,
  };
}
