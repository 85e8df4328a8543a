#!/usr/bin/env python3
"""PyTorch's numbers for bench/gpu/bench.js, measured the same way on the same GPU.

fp32 matmul 4096 and 8192 (TF32 off, PyTorch's default, and on), bf16 matmul
8192, elementwise add of 256M floats, device-to-device copy bandwidth, and a
step of the chapter's program (section 1.5) on cuda. Prints one JSON object;
without torch or a GPU it prints {"skipped": reason} and exits 0.

    python3 bench/gpu/torch_bench.py [--quick] > pytorch_bench.json
"""
import json
import sys
import time

QUICK = "--quick" in sys.argv


def skip(reason):
    print(json.dumps({"skipped": reason}))
    sys.exit(0)


try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any import failure means "no baseline here"
    skip(f"python3 cannot import torch: {e}")
if not torch.cuda.is_available():
    skip("torch.cuda.is_available() is False")

DEV = "cuda"


def timed(fn, iters, rounds=2 if QUICK else 5):
    """Best of `rounds` averages of `iters` runs, from a synchronized GPU to a synchronized GPU."""
    fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - t0) / iters)
    return best


def matmul(n, dtype=torch.float32, tf32=False):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.manual_seed(0)
    a = torch.randn(n, n, device=DEV, dtype=dtype)
    b = torch.randn(n, n, device=DEV, dtype=dtype)
    s = timed(lambda: a.mm(b), 5 if n >= 8192 else 20)
    torch.backends.cuda.matmul.allow_tf32 = False
    return {"seconds": s, "tflops": 2 * n ** 3 / s / 1e12}


N = 1 << 26 if QUICK else 1 << 28


def add():
    a = torch.randn(N, device=DEV)
    b = torch.randn(N, device=DEV)
    out = torch.empty(N, device=DEV)
    fresh = timed(lambda: a.add(b), 10)
    into = timed(lambda: torch.add(a, b, out=out), 10)
    nbytes = 3 * 4 * N
    return {"seconds": fresh, "gbps": nbytes / fresh / 1e9, "outSeconds": into, "outGbps": nbytes / into / 1e9}


def copy():
    x = torch.randn(N, device=DEV)
    y = torch.empty(N, device=DEV)
    s = timed(lambda: y.copy_(x), 10)
    return {"seconds": s, "gbps": 2 * 4 * N / s / 1e9}


def chapter(max_batches=100000):
    """Section 1.5's program with its model and batches on cuda (as bench/gpu/chapter.js runs it)."""
    degree = 4
    torch.manual_seed(5000)
    w_target = torch.randn(degree, 1, device=DEV) * 5
    b_target = torch.randn(1, device=DEV) * 5

    def make_features(x):
        x = x.unsqueeze(1)
        return torch.cat([x ** i for i in range(1, degree + 1)], 1)

    def get_batch(batch_size=32):
        x = make_features(torch.randn(batch_size, device=DEV).sort().values)
        return x, x.mm(w_target) + b_target[0]

    fc = torch.nn.Linear(degree, 1).to(DEV)
    t0 = time.perf_counter()
    batches, loss = 0, float("inf")
    for batches in range(1, max_batches + 1):
        bx, by = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(bx), by)
        loss = output.item()
        output.backward()
        for p in fc.parameters():
            p.data.add_(-0.1 * p.grad.data)
        if loss < 1e-3:
            break
    s = time.perf_counter() - t0
    return {"msPerStep": 1000 * s / batches, "batches": batches, "loss": loss}


def main():
    props = torch.cuda.get_device_properties(0)
    results = {}
    for n in (4096, 8192):
        results[f"mm_fp32_{n}"] = matmul(n)
        results[f"mm_tf32_{n}"] = matmul(n, tf32=True)
    results["mm_bf16_8192"] = matmul(8192, dtype=torch.bfloat16)
    results["add_256M"] = add()
    results["copy_d2d_256M"] = copy()
    chapter(20)  # warm-up
    results["chapter_step"] = chapter()
    print(json.dumps({
        "machine": {"card": props.name, "totalMemory": props.total_memory, "torch": torch.__version__, "cuda": torch.version.cuda},
        "quick": QUICK,
        "results": results,
    }, indent=1))


if __name__ == "__main__":
    main()
