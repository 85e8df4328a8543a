#!/usr/bin/python3
"""PyTorch side of the benchmark suite (bench/README.md).

Runs the workloads of bench/torchlab.js with the same timing method (warm-up,
then the median over batches) and prints one JSON object per line:
  {"side": "pytorch", "name": "small/add", "seconds_per_iter": ...}
Needs Debian's python3-torch: run it with /usr/bin/python3.
Options: --only=PREFIX[,PREFIX...]. Environment: BENCH_THREADS (default
os.cpu_count()), BENCH_QUICK=1 (short run).
"""
import json
import os
import re
import resource
import sys
import time

try:
    import torch
except ImportError:
    sys.stderr.write(
        "bench: %s cannot import torch. Run `bash scripts/setup.sh --bench` "
        "(installs Debian's python3-torch), then rerun bash bench/run.sh.\n" % sys.executable)
    sys.exit(2)

ONLY = [p for a in sys.argv[1:] if a.startswith("--only=") for p in a[7:].split(",") if p]
THREADS = int(os.environ.get("BENCH_THREADS") or os.cpu_count() or 1)
QUICK = os.environ.get("BENCH_QUICK") == "1"
SMALL_ITERS = 5000 if QUICK else 20000
SMALL_BATCHES = 3 if QUICK else 7
BIG = 16 * 1024 * 1024


def selected(name):
    return not ONLY or any(name.startswith(p) for p in ONLY)


def emit(**obj):
    sys.stdout.write(json.dumps(dict(side="pytorch", **obj)) + "\n")
    sys.stdout.flush()


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def time_fixed(batch, n, batches):
    """batch(n) runs n calls: one untimed warm-up batch, then `batches` timed ones."""
    batch(n)
    per = []
    for _ in range(batches):
        t0 = time.perf_counter()
        batch(n)
        per.append((time.perf_counter() - t0) / n)
    return median(per), min(per)


def time_adaptive(fn, seconds):
    """Two untimed calls (the second sizes the batches), then 3 to 7 batches of n calls lasting about `seconds`."""
    fn()
    t0 = time.perf_counter()
    fn()
    t1 = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(seconds / 5 / t1))
    batches = max(3, min(7, int(seconds / (n * t1))))

    def batch(k):
        for _ in range(k):
            fn()
    med, mn = time_fixed(batch, n, batches)
    return med, mn, n, batches


def blas_info():
    """BLAS_INFO from the build config, the BLAS libraries actually mapped, and OpenBLAS's thread count."""
    m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    info = m.group(1) if m else "?"
    torch.mm(torch.ones(4, 4), torch.ones(4, 4))  # make sure BLAS is loaded
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if p.startswith("/") and ("blas" in os.path.basename(p) or "mkl" in os.path.basename(p)):
                    libs.add(p)
    except OSError:
        pass
    blas_threads = None
    for lib in libs:
        if "openblas" in os.path.basename(lib):
            try:
                import ctypes
                fn = getattr(ctypes.CDLL(lib), "openblas_get_num_threads", None)
                if fn is not None:
                    blas_threads = fn()
            except OSError:
                pass
    return info, sorted(os.path.basename(p) for p in libs), blas_threads


def rand(*shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=g, dtype=torch.float32)


def small_ops():
    x = rand(32, 4, seed=1)
    y = rand(32, 4, seed=2)
    w = rand(4, 32, seed=3)
    ops = {
        "add": lambda: x.add(y),
        "mm": lambda: x.mm(w),
        "cat": lambda: torch.cat([x, y], 0),
        "sum": lambda: x.sum(),
    }
    for op, fn in ops.items():
        name = "small/" + op
        if not selected(name):
            continue
        sink = [None]

        def batch(n, fn=fn, sink=sink):
            r = None
            for _ in range(n):
                r = fn()
            sink[0] = r  # results are used: keep the last one
        med, mn = time_fixed(batch, SMALL_ITERS, SMALL_BATCHES)
        emit(name=name, seconds_per_iter=med, min=mn, iters=SMALL_ITERS, batches=SMALL_BATCHES)


def sgemm():
    for n in (256, 512, 1024, 2048):
        name = "sgemm/%d" % n
        if not selected(name):
            continue
        a = rand(n, n, seed=10 + n)
        b = rand(n, n, seed=20 + n)
        med, mn, iters, batches = time_adaptive(lambda: a.mm(b), 0.5 if QUICK else 1.2)
        emit(name=name, seconds_per_iter=med, gflops=2 * n ** 3 / med / 1e9, iters=iters, batches=batches)


def big_ops():
    if not any(selected(n) for n in ("add_out/16M", "add_fresh/16M", "sum/16M")):
        return
    a = rand(BIG, seed=7)
    b = rand(BIG, seed=8)
    c = torch.empty(BIG, dtype=torch.float32)
    seconds = 0.5 if QUICK else 1.5

    def run(name, fn, nbytes):
        if not selected(name):
            return
        fn()
        med, mn, iters, batches = time_adaptive(fn, seconds)
        emit(name=name, seconds_per_iter=med, gbps=nbytes / med / 1e9, iters=iters, batches=batches)

    run("add_out/16M", lambda: torch.add(a, b, out=c), 3 * 4 * BIG)
    run("add_fresh/16M", lambda: a.add(b), 3 * 4 * BIG)
    run("sum/16M", lambda: a.sum(), 4 * BIG)


def train():
    """Autograd workloads: a small graph's forward+backward, and one step of
    the chapter's program (section 1.5), written as the chapter writes it."""
    import numpy as np
    import torch.nn.functional as F
    seconds = 0.5 if QUICK else 1.5
    if selected("train/graph"):
        x = rand(32, 4, seed=21)
        w = rand(4, 4, seed=22).requires_grad_()
        b = rand(4, seed=23).requires_grad_()

        def graph():
            x.mm(w).add(b).sum().backward()
        for _ in range(5000):
            graph()
        med, mn, iters, batches = time_adaptive(graph, seconds)
        emit(name="train/graph", seconds_per_iter=med, min=mn, iters=iters, batches=batches)

    if selected("train/mlp"):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                    torch.nn.Linear(64, 2))
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        x = rand(64, 2, seed=31)
        y = torch.randint(0, 2, (64,))

        def mlp_step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        for _ in range(1000):
            mlp_step()
        med, mn, iters, batches = time_adaptive(mlp_step, seconds)
        emit(name="train/mlp", seconds_per_iter=med, min=mn, iters=iters, batches=batches)

    torch.manual_seed(5000)
    W_target = torch.randn(4, 1) * 5
    b_target = torch.randn(1) * 5

    def make_features(x):
        x = x.unsqueeze(1)
        return torch.cat([x ** i for i in range(1, 5)], 1)

    def f(x):
        return x.mm(W_target) + b_target[0]

    def get_batch_numpy(batch_size=32):
        random = torch.from_numpy(np.sort(torch.randn(batch_size)))
        x = make_features(random)
        return x, f(x)

    def get_batch_torch(batch_size=32):
        x = make_features(torch.randn(batch_size).sort().values)
        return x, f(x)

    for name, get_batch in (("train/chapter", get_batch_torch), ("train/chapter+numpy", get_batch_numpy)):
        if not selected(name):
            continue
        fc = torch.nn.Linear(4, 1)

        def step():
            batch_x, batch_y = get_batch()
            fc.zero_grad()
            output = F.smooth_l1_loss(fc(batch_x), batch_y)
            loss = output.item()
            output.backward()
            for param in fc.parameters():
                param.data.add_(-0.1 * param.grad.data)
            return loss
        for _ in range(200):
            step()
        med, mn, iters, batches = time_adaptive(step, seconds)
        emit(name=name, seconds_per_iter=med, min=mn, iters=iters, batches=batches)


def cpu_snapshot():
    """(wall, machine busy CPU s, steal s, own CPU s) to tell how much else ran meanwhile."""
    busy = steal = float("nan")
    try:
        hz = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = (v[0] + v[1] + v[2] + v[5] + v[6]) / hz
        steal = (v[7] if len(v) > 7 else 0) / hz
    except (OSError, ValueError, IndexError):
        pass
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), busy, steal, ru.ru_utime + ru.ru_stime


def other_load(a, b):
    cap = (os.cpu_count() or 1) * (b[0] - a[0])
    return dict(other_cpu_share=max(0.0, (b[1] - a[1]) - (b[3] - a[3])) / cap, steal_share=(b[2] - a[2]) / cap)


def main():
    torch.set_num_threads(THREADS)
    info, libs, blas_threads = blas_info()
    emit(name="meta", threads=torch.get_num_threads(), cores=os.cpu_count(),
         affinity=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
         torch=torch.__version__, blas_info=info, blas_libs=libs, blas_threads=blas_threads,
         cpu_capability=next((l.split(":", 1)[1].strip() for l in torch.__config__.show().splitlines()
                              if "CPU capability usage" in l), None),
         python=sys.version.split()[0], loadavg=list(os.getloadavg()))
    t0 = time.perf_counter()
    c0 = cpu_snapshot()
    small_ops()   # default grad mode, as in plain user code (no input requires grad)
    sgemm()
    big_ops()
    train()
    emit(name="done", wall_seconds=time.perf_counter() - t0, loadavg=list(os.getloadavg()),
         **other_load(c0, cpu_snapshot()))


if __name__ == "__main__":
    main()
