"""Jupyter's own kernel conformance suite (jupyter_kernel_test) against the
torchlab kernel, with samples for all 12 of its tests.

The kernelspec is found the way Jupyter finds any: install it first, for
example into a temporary dir named by JUPYTER_PATH:

    node dist/kernel/src/cli.js install --prefix /tmp/tl
    JUPYTER_PATH=/tmp/tl/share/jupyter /usr/bin/python3 test/kernel/conformance.py -v

(test/kernel_conformance.test.ts does exactly that.) TORCHLAB_KERNEL_NAME
picks another kernelspec name (default: torchlab).
"""

import os
import sys
import unittest

import jupyter_kernel_test


class TorchlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("TORCHLAB_KERNEL_NAME", "torchlab")

    # test_kernel_info
    language_name = "typescript"
    file_extension = ".ts"

    # test_execute_stdout / test_execute_stderr
    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    # test_completion: members of torch, and of a name in the cell. The kernel
    # ranks case-insensitive substring matches after prefix matches (tslab's
    # way: "torch.zer" also offers nonzero and countNonzero), so each sample's
    # text is one whose substring matches are its prefix matches.
    completion_samples = [
        {"text": "torch.zeros", "matches": {"zeros", "zerosLike"}},
        {"text": "torch.arang", "matches": {"arange"}},
        {"text": "torch.ones", "matches": {"ones", "onesLike"}},
        {"text": 'const conformanceValue = 1; conformance', "matches": {"conformanceValue"}},
    ]

    # test_is_complete
    complete_code_samples = [
        "1",
        "const a = torch.zeros(2, 3);",
        "function f(x: number): number {\n  return x * 2;\n}",
        "for (let i = 0; i < 3; i++) {\n  console.log(i);\n}",
    ]
    incomplete_code_samples = [
        "function f(x: number) {",
        "const xs = [1, 2,",
        "if (true) {\n  console.log(1);",
        "const s = `multi\nline",
    ]
    invalid_code_samples = [
        "}",
        "const 1x = 2;",
        "let a = 1 +* ;",
    ]

    # test_pager: help(x) answers with a "page" payload
    code_page_something = "help(torch.zeros)"

    # test_error
    code_generate_error = 'throw new Error("boom")'

    # test_execute_result (and test_history, which executes these codes)
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "torch.tensor([1, 2, 3])", "result": "tensor([1, 2, 3])"},
        {"code": "torch.ones(2, 2)", "mime": "text/html"},
    ]

    # test_display_data
    code_display_data = [
        {"code": "display.html('<b>hi</b>')", "mime": "text/html"},
        {"code": "display.markdown('# hi')", "mime": "text/markdown"},
        {"code": "display(torch.arange(4))", "mime": "text/plain"},
        {"code": "display(torch.arange(4))", "mime": "text/html"},
    ]

    # test_history: matches one of code_execute_result's codes (glob)
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    # test_inspect
    code_inspect_sample = "torch.zeros"

    # test_clear_output
    code_clear_output = "clearOutput()"


class _RecordingResult(unittest.TextTestResult):
    """Also keeps each test's verdict ("ok", "FAIL", "ERROR", "skipped"), a failing subtest failing its test."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.verdicts = {}

    def _set(self, test, verdict, detail=None):
        name = getattr(test, "test_case", test)._testMethodName
        entry = self.verdicts.setdefault(name, {"verdict": "ok", "details": []})
        if verdict != "ok" and entry["verdict"] in ("ok", "skipped"):
            entry["verdict"] = verdict
        if detail:
            entry["details"].append(detail)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "FAIL", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._set(test, "ERROR", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if hasattr(test, "test_case"):  # a skipped subtest: the test itself may still pass
            self._set(test, "ok", f"skipped {test.id()}: {reason}")
        else:
            self._set(test, "skipped", reason)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._set(test, "FAIL" if failed else "ERROR", f"{subtest.id()}: {self._exc_info_to_string(err, test)}")


if __name__ == "__main__":
    # CONFORMANCE_RESULT_JSON=file: the verdicts as JSON as well ({test: {verdict, details}}),
    # so that a caller need not parse unittest's report (the kernel's own output interleaves with it).
    import json

    out = os.environ.get("CONFORMANCE_RESULT_JSON")

    class Runner(unittest.TextTestRunner):
        resultclass = _RecordingResult

        def run(self, test):
            result = super().run(test)
            if out:
                with open(out, "w") as f:
                    json.dump(result.verdicts, f, indent=1)
            return result

    unittest.main(argv=[sys.argv[0], *sys.argv[1:]], testRunner=Runner)
