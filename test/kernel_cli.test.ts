// torchlab-kernel install / uninstall / list, through the built CLI
// (dist/kernel/src/cli.js) as npm's bin runs it, into temporary Jupyter dirs;
// and Jupyter's own `kernelspec list` seeing the spec.
import { afterAll, describe, expect, test } from "@jest/globals";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { KernelClient, makeConnection } from "./kernel/client";

const root = path.join(__dirname, "..");
const cli = path.join(root, "dist/kernel/src/cli.js");
const mainJs = path.join(root, "dist/kernel/src/main.js");

const made: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-kspec-"));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** An environment where only `dataDir` is Jupyter's user data dir. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.JUPYTER_PATH;
  delete env.JUPYTER_DATA_DIR;
  return { ...env, ...extra };
}

function run(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `jupyter kernelspec list --json`, or the same through jupyter_client's module when there is no `jupyter` command; null when neither exists. */
function jupyterKernelspecs(env: NodeJS.ProcessEnv): Record<string, { resource_dir: string; spec: { argv: string[]; display_name: string; language: string } }> | null {
  const candidates: Array<[string, string[]]> = [
    ["jupyter", ["kernelspec", "list", "--json"]],
    ["/usr/bin/python3", ["-m", "jupyter_client.kernelspecapp", "list", "--json"]],
  ];
  for (const [cmd, args] of candidates) {
    // Without Python's user site: jupyter_core would add ~/.local/share/jupyter, where the
    // developer's own kernelspec (`npm start` installs one) would hide the test's.
    const r = spawnSync(cmd, args, { env: { ...env, PYTHONNOUSERSITE: "1" }, encoding: "utf8" });
    if (r.error || r.status !== 0) continue;
    return JSON.parse(r.stdout).kernelspecs;
  }
  return null;
}

describe("torchlab-kernel CLI", () => {
  test("the CLI is built, with a shebang for npm's bin", () => {
    expect(fs.existsSync(cli)).toBe(true);
    expect(fs.readFileSync(cli, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    expect(pkg.bin["torchlab-kernel"]).toBe("dist/kernel/src/cli.js");
  });

  test("install (default --user) writes kernels/torchlab/kernel.json into $JUPYTER_DATA_DIR", () => {
    const data = tmp();
    const env = envWith({ JUPYTER_DATA_DIR: data });
    const r = run(["install"], env);
    expect(r.status).toBe(0);
    const dir = path.join(data, "kernels", "torchlab");
    expect(r.stdout).toContain(dir);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8"));
    expect(spec).toEqual({
      argv: [process.execPath, mainJs, "{connection_file}"],
      display_name: "TypeScript (torchlab)",
      language: "typescript",
      interrupt_mode: "signal",
      metadata: expect.any(Object),
    });
    for (const size of [32, 64]) {
      const png = fs.readFileSync(path.join(dir, `logo-${size}x${size}.png`));
      expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
      expect(png.readUInt32BE(16)).toBe(size);
      expect(png.readUInt32BE(20)).toBe(size);
    }
    expect(run(["list"], env).stdout).toMatch(new RegExp(`torchlab\\s+${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(run(["uninstall"], env).status).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
    // a second uninstall has nothing to remove
    const again = run(["uninstall"], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("no kernelspec torchlab");
    expect(run(["list"], env).stdout).toContain("No torchlab kernelspec installed");
  });

  test("--user honours XDG_DATA_HOME when JUPYTER_DATA_DIR is unset", () => {
    const xdg = tmp();
    const env = envWith({ XDG_DATA_HOME: xdg });
    expect(run(["install", "--user"], env).status).toBe(0);
    expect(fs.existsSync(path.join(xdg, "jupyter", "kernels", "torchlab", "kernel.json"))).toBe(true);
    expect(run(["uninstall", "--user"], env).status).toBe(0);
  });

  test("--prefix P installs into P/share/jupyter, with --name, --display-name and --interrupt-mode", () => {
    const prefix = tmp();
    const env = envWith({ JUPYTER_DATA_DIR: tmp() });
    const r = run(["install", "--prefix", prefix, "--name=tl-dev", "--display-name", "TL dev", "--interrupt-mode", "message"], env);
    expect(r.status).toBe(0);
    const file = path.join(prefix, "share", "jupyter", "kernels", "tl-dev", "kernel.json");
    const spec = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(spec.display_name).toBe("TL dev");
    expect(spec.interrupt_mode).toBe("message");
    expect(run(["uninstall", "--prefix", prefix, "--name", "tl-dev"], env).status).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });

  test("--sys-prefix asks Python for sys.prefix", () => {
    const prefix = tmp();
    const fakePython = path.join(prefix, "python3");
    fs.writeFileSync(fakePython, `#!/bin/sh\necho ${prefix}\n`, { mode: 0o755 });
    const env = envWith({ JUPYTER_DATA_DIR: tmp(), TORCHLAB_PYTHON: fakePython });
    expect(run(["install", "--sys-prefix"], env).status).toBe(0);
    expect(fs.existsSync(path.join(prefix, "share", "jupyter", "kernels", "torchlab", "kernel.json"))).toBe(true);
    const missing = run(["install", "--sys-prefix"], { ...env, TORCHLAB_PYTHON: path.join(prefix, "nope") });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("TORCHLAB_PYTHON");
  });

  test("bad arguments fail with a message and the usage", () => {
    const env = envWith({ JUPYTER_DATA_DIR: tmp() });
    const cases: Array<[string[], RegExp]> = [
      [[], /missing command/],
      [["frobnicate"], /unknown command "frobnicate"/],
      [["install", "--bogus"], /unknown option --bogus/],
      [["install", "--prefix"], /--prefix needs a value/],
      [["install", "--user", "--prefix", "/tmp/x"], /choose one of --user, --prefix P, --sys-prefix/],
      [["install", "--interrupt-mode", "smoke"], /--interrupt-mode is signal or message/],
      [["install", "--name", "a b"], /bad kernel name/],
      [["install", "extra"], /unexpected argument "extra"/],
      [["install", "--user=yes"], /--user takes no value/],
      [["run"], /run: expected exactly one argument/],
      [["list", "--user"], /list: unknown option --user/],
    ];
    for (const [args, message] of cases) {
      const r = run(args, env);
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain("usage: torchlab-kernel");
    }
    const help = run(["--help"], env);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: torchlab-kernel");
    expect(run(["--version"], env).stdout).toMatch(/^torchlab-kernel \d+\.\d+\.\d+/);
  });

  test("Jupyter's `kernelspec list` shows the installed spec (JUPYTER_PATH and JUPYTER_DATA_DIR)", () => {
    const probe = jupyterKernelspecs(envWith({ JUPYTER_DATA_DIR: tmp() }));
    if (probe === null) {
      console.warn("neither `jupyter` nor /usr/bin/python3 with jupyter_client found: skipping the Jupyter side");
      return;
    }
    // installed as the user's spec
    const data = tmp();
    expect(run(["install"], envWith({ JUPYTER_DATA_DIR: data })).status).toBe(0);
    const asUser = jupyterKernelspecs(envWith({ JUPYTER_DATA_DIR: data }))!;
    expect(asUser.torchlab.resource_dir).toBe(path.join(data, "kernels", "torchlab"));
    expect(asUser.torchlab.spec.display_name).toBe("TypeScript (torchlab)");
    expect(asUser.torchlab.spec.language).toBe("typescript");
    // installed under a prefix that JUPYTER_PATH names
    const prefix = tmp();
    expect(run(["install", "--prefix", prefix], envWith({ JUPYTER_DATA_DIR: tmp() })).status).toBe(0);
    const viaPath = jupyterKernelspecs(envWith({ JUPYTER_DATA_DIR: tmp(), JUPYTER_PATH: path.join(prefix, "share", "jupyter") }))!;
    expect(viaPath.torchlab.resource_dir).toBe(path.join(prefix, "share", "jupyter", "kernels", "torchlab"));
    expect(viaPath.torchlab.spec.argv).toEqual([process.execPath, mainJs, "{connection_file}"]);
    // and gone after uninstall
    expect(run(["uninstall", "--prefix", prefix], envWith({})).status).toBe(0);
    const after = jupyterKernelspecs(envWith({ JUPYTER_DATA_DIR: tmp(), JUPYTER_PATH: path.join(prefix, "share", "jupyter") }))!;
    // (a torchlab spec of the machine's own, e.g. from `npm start`, may still be listed: not this one)
    expect(Object.values(after).filter((k) => k.resource_dir.startsWith(prefix))).toEqual([]);
  });

  test("run <connection-file> runs the kernel in the CLI's process", async () => {
    const dir = tmp();
    const conn = await makeConnection();
    const file = path.join(dir, "conn.json");
    fs.writeFileSync(file, JSON.stringify(conn));
    const env = envWith({ JUPYTER_DATA_DIR: dir, TORCHLAB_HISTORY_FILE: path.join(dir, "history.jsonl"), NODE_OPTIONS: "" });
    const proc = spawn(process.execPath, [cli, "run", file], { env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    proc.stdout!.on("data", (d) => (log += d));
    proc.stderr!.on("data", (d) => (log += d));
    const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
    const client = new KernelClient(conn);
    try {
      await client.ready(30_000);
      const info = await client.request("shell", "kernel_info_request");
      expect(info.reply.content).toMatchObject({ status: "ok", implementation: "torchlab", language_info: { name: "typescript", file_extension: ".ts" } });
      const ex = await client.execute("6*7", {}, 30_000);
      expect(ex.reply.content).toMatchObject({ status: "ok" });
      const result = ex.iopub.find((m) => m.header.msg_type === "execute_result");
      expect((result?.content as { data: Record<string, string> } | undefined)?.data["text/plain"]).toBe("42");
      await client.request("control", "shutdown_request", { restart: false });
      expect(await exited).toBe(0);
    } catch (e) {
      (e as Error).message += `\nkernel output:\n${log}`;
      throw e;
    } finally {
      client.close();
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
  }, 60_000);

  test("run with a missing connection file fails", () => {
    const r = run(["run", path.join(tmp(), "nope.json")], envWith({ NODE_OPTIONS: "" }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/nope\.json/);
  });
});
