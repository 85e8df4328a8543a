// An addon built with CUDA on a machine without a usable GPU: isAvailable()
// is false and every CUDA request says why, in PyTorch's words plus the CUDA
// runtime's reason (test/cuda_mock.ts answers as the runtime would).
import { describe, expect, it, jest } from "@jest/globals";

let mockDriver = { driverVersion: 0, error: "CUDA driver version is insufficient for CUDA runtime version" as string | null };

jest.mock("../runtime/addon", () => {
  const actual = jest.requireActual<typeof import("../runtime/addon")>("../runtime/addon");
  const { makeMockCuda } = jest.requireActual<typeof import("./cuda_mock")>("./cuda_mock");
  const { cuda } = makeMockCuda(actual.addon, { devices: 0 });
  const addon = Object.assign(Object.create(actual.addon), cuda, { cudaDriverInfo: () => ({ runtimeVersion: 13000, ...mockDriver }) });
  Object.defineProperty(addon, "cudaBuilt", { value: true });
  return { addon, meta: actual.meta };
});

import * as torch from "../runtime/index";

describe("a CUDA build without a usable GPU", () => {
  it("is built but not available", () => {
    expect(torch.backends.cuda.isBuilt()).toBe(true);
    expect(torch.cuda.isAvailable()).toBe(false);
    expect(torch.cuda.deviceCount()).toBe(0);
    expect(torch.cuda.memoryAllocated()).toBe(0);
  });

  it("without a driver: PyTorch's 'Found no NVIDIA driver' and the runtime's reason", () => {
    mockDriver = { driverVersion: 0, error: "CUDA driver version is insufficient for CUDA runtime version" };
    expect(() => torch.zeros(1, { device: "cuda" })).toThrow(
      "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from " +
        "http://www.nvidia.com/Download/index.aspx (CUDA: CUDA driver version is insufficient for CUDA runtime version)",
    );
    expect(() => torch.ones(1).cuda()).toThrow(/Found no NVIDIA driver/);
    expect(() => new torch.cuda.Stream()).toThrow(/Found no NVIDIA driver/);
  });

  it("with a driver but no GPU: 'No CUDA GPUs are available'", () => {
    mockDriver = { driverVersion: 13000, error: "no CUDA-capable device is detected" };
    expect(() => torch.cuda.setDevice(0)).toThrow("No CUDA GPUs are available (CUDA: no CUDA-capable device is detected)");
    expect(() => torch.ones(1).to("cuda:0")).toThrow(/No CUDA GPUs are available/);
    mockDriver = { driverVersion: 13000, error: null };
    expect(() => torch.cuda.getDeviceName()).toThrow(/^No CUDA GPUs are available$/);
  });
});
