"""Executes a notebook with Jupyter's own client (nbclient), as
`jupyter nbconvert --execute` and `jupyter execute` do, and writes the
executed notebook.

    JUPYTER_PATH=<dir with kernels/torchlab> /usr/bin/python3 test/kernel/nbclient_run.py IN.ipynb OUT.ipynb [--kernel torchlab]

Cells tagged "raises-exception" may fail; any other failing cell stops the run
(exit status 1, nbclient's CellExecutionError on stderr). The kernel is the
notebook's kernelspec unless --kernel names one.
"""

import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--kernel", default=None, help="kernelspec name (default: the notebook's)")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per cell")
    args = ap.parse_args(argv)

    nb = nbformat.read(args.input, as_version=4)
    kwargs = {}
    if args.kernel:
        kwargs["kernel_name"] = args.kernel
    client = NotebookClient(
        nb,
        timeout=args.timeout,
        startup_timeout=60,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.input))}},
        **kwargs,
    )
    start = time.monotonic()
    status = 0
    try:
        client.execute()
    except CellExecutionError as e:
        print(f"nbclient_run: a cell failed:\n{e}", file=sys.stderr)
        status = 1
    finally:
        nbformat.write(nb, args.output)
    print(f"nbclient_run: executed {sum(c.cell_type == 'code' for c in nb.cells)} code cells in {time.monotonic() - start:.2f} s", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
