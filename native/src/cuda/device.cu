// Devices, errors, streams and events: the part of torch.cuda that is not
// memory. Every entry point checks its arguments and the availability of CUDA
// first, so a machine without a driver or a GPU gets a JS error, never a crash.
//
// cudaDeviceCount() -> number                 0 without a driver or a device
// cudaCurrentDevice() -> number;  cudaSetDevice(device)
// cudaDeviceProperties(device) -> {name, totalMemory, major, minor, multiProcessorCount}
// cudaSynchronize(device)
// cudaDriverInfo() -> {runtimeVersion, driverVersion, deviceCount, error: string | null}
// cudaStreamCreate(device) -> stream;  cudaStreamSynchronize(stream);  cudaStreamQuery(stream) -> bool
// cudaSetCurrentStream(device, stream | null)  (null: the default stream)
// cudaStreamWaitEvent(stream | null, event)    (null: the event's device's current stream)
// cudaEventCreate(device, enableTiming) -> event;  cudaEventRecord(event, stream | null)
// cudaEventSynchronize(event);  cudaEventQuery(event) -> bool;  cudaEventElapsedTime(start, end) -> ms
#include <napi.h>
#include <cuda_runtime.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../core/registry.h"
#include "core.h"
#include "internal.h"
#include "token.h"

namespace tl::cuda {

// ------------------------------------------------------------------ errors

[[noreturn]] void throw_coded(Napi::Env env, const std::string& msg, const char* code) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

namespace {

// Errors after which the context is corrupt and every later call fails too.
bool is_sticky(cudaError_t e) {
  switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
    case cudaErrorECCUncorrectable:
      return true;
    default:
      return false;
  }
}

}  // namespace

void check(Napi::Env env, cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  // Reset the thread's last error so a later check_launch does not report this one again.
  (void)cudaGetLastError();
  std::string msg = std::string("CUDA error: ") + cudaGetErrorString(err) + " (" + what + ")";
  if (is_sticky(err)) msg += "; the CUDA context is now unusable, restart the process";
  throw_coded(env, msg, err == cudaErrorMemoryAllocation ? "CUDA_OOM" : "CUDA_ERROR");
}

std::string format_bytes(size_t bytes) {
  char buf[64];
  double b = static_cast<double>(bytes);
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%zu bytes", bytes);
  else if (bytes < (size_t{1} << 20)) std::snprintf(buf, sizeof buf, "%.2f KiB", b / 1024);
  else if (bytes < (size_t{1} << 30)) std::snprintf(buf, sizeof buf, "%.2f MiB", b / (1 << 20));
  else std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1 << 30));
  return buf;
}

// ----------------------------------------------------------------- devices

namespace {

struct Availability {
  int count = 0;
  std::string reason;
};

// The device set is fixed for the life of the process (CUDA_VISIBLE_DEVICES
// is read once at driver initialisation), so ask once.
const Availability& availability() {
  static const Availability a = [] {
    Availability r;
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      r.reason = cudaGetErrorString(e);
    } else if (n <= 0) {
      r.reason = "no CUDA-capable device is detected";
    } else {
      r.count = n;
    }
    return r;
  }();
  return a;
}

}  // namespace

int device_count() { return availability().count; }
std::string unavailable_reason() { return availability().reason; }

void require_device(Napi::Env env, int64_t device, const char* what) {
  int n = device_count();
  if (n == 0) throw_coded(env, std::string(what) + ": CUDA is not available (" + unavailable_reason() + ")", "CUDA_UNAVAILABLE");
  if (device < 0 || device >= n)
    throw_coded(env, std::string(what) + ": invalid device ordinal cuda:" + std::to_string(device) + " (" + std::to_string(n) +
                         (n == 1 ? " device is" : " devices are") + " available)", "CUDA_ERROR");
}

int get_device_arg(const Napi::Value& v, const char* what) {
  Napi::Env env = v.Env();
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(std::floor(d) == d) || std::fabs(d) > 1e9)
    throw Napi::TypeError::New(env, std::string(what) + ": expected a device index (an integer)");
  require_device(env, static_cast<int64_t>(d), what);
  return static_cast<int>(d);
}

size_t get_size_arg(const Napi::Value& v, const char* what) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= 0 && d <= 9007199254740992.0 && std::floor(d) == d))
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a byte count, an integer in [0, 2^53]");
  return static_cast<size_t>(d);
}

DeviceGuard::DeviceGuard(int device) : prev_(-1) {
  int cur = -1;
  if (cudaGetDevice(&cur) != cudaSuccess) {
    (void)cudaGetLastError();
    cur = -1;
  }
  if (cur == device) return;
  // A failure here (a broken context) resurfaces at the next checked call.
  if (cudaSetDevice(device) == cudaSuccess) prev_ = cur;
  else (void)cudaGetLastError();
}

DeviceGuard::~DeviceGuard() {
  if (prev_ >= 0 && cudaSetDevice(prev_) != cudaSuccess) (void)cudaGetLastError();
}

int multiprocessor_count(int device) {
  static std::array<std::atomic<int>, 64> cache{};
  bool cacheable = device >= 0 && device < static_cast<int>(cache.size());
  if (cacheable) {
    int v = cache[device].load(std::memory_order_relaxed);
    if (v > 0) return v;
  }
  int v = 0;
  if (cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || v <= 0) {
    (void)cudaGetLastError();
    return 1;  // grid-stride loops stay correct with any grid; callers validated the device anyway
  }
  if (cacheable) cache[device].store(v, std::memory_order_relaxed);
  return v;
}

// ----------------------------------------------------------------- streams

namespace {

std::atomic<uint64_t> g_next_stream_id{1};  // 0 is the default stream

struct Stream {
  cudaStream_t h = nullptr;
  int device = 0;
  uint64_t id = 0;
  Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  // May run inside the GC (a token's finalizer): cudaStreamDestroy does not
  // block, queued work finishes first. Its status is left alone: clearing
  // the thread's last error here could swallow a launch error of the op
  // during which the collection happened.
  ~Stream() {
    if (h != nullptr) cudaStreamDestroy(h);
  }
};

struct StreamHandle {
  static constexpr TokenKind kKind = TokenKind::Stream;
  std::shared_ptr<Stream> s;
};

struct EventHandle {
  static constexpr TokenKind kKind = TokenKind::Event;
  cudaEvent_t e = nullptr;
  int device = 0;
  bool timing = false;
  EventHandle() = default;
  EventHandle(const EventHandle&) = delete;
  EventHandle& operator=(const EventHandle&) = delete;
  ~EventHandle() {
    if (e != nullptr) cudaEventDestroy(e);  // see ~Stream
  }
};

// The current stream of each device; holding a reference keeps a stream
// alive while it is current even if its token is collected.
struct CurrentStreams {
  std::mutex mu;
  std::vector<std::shared_ptr<Stream>> by_device;
};

CurrentStreams& currents() {
  static CurrentStreams* c = std::make_unique<CurrentStreams>().release();  // leaked: see TokenRegistry::get
  return *c;
}

bool is_nullish(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

}  // namespace

StreamRef current_stream_ref(int device) {
  CurrentStreams& c = currents();
  std::lock_guard<std::mutex> g(c.mu);
  if (device < 0 || static_cast<size_t>(device) >= c.by_device.size() || !c.by_device[device]) return {};
  return {c.by_device[device]->h, c.by_device[device]->id};
}

cudaStream_t current_stream(int device) { return current_stream_ref(device).stream; }

namespace {

// ----------------------------------------------------------- entry points

Napi::Value DeviceCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), device_count()); }

Napi::Value CurrentDevice(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  require_device(env, 0, "cudaCurrentDevice");
  int d = 0;
  check(env, cudaGetDevice(&d), "cudaGetDevice");
  return Napi::Number::New(env, d);
}

Napi::Value SetDevice(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaSetDevice");
  check(env, cudaSetDevice(d), "cudaSetDevice");
  return env.Undefined();
}

Napi::Value DeviceProperties(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaDeviceProperties");
  cudaDeviceProp p{};
  check(env, cudaGetDeviceProperties(&p, d), "cudaGetDeviceProperties");
  auto o = Napi::Object::New(env);
  o.Set("name", Napi::String::New(env, p.name));
  o.Set("totalMemory", Napi::Number::New(env, static_cast<double>(p.totalGlobalMem)));
  o.Set("major", Napi::Number::New(env, p.major));
  o.Set("minor", Napi::Number::New(env, p.minor));
  o.Set("multiProcessorCount", Napi::Number::New(env, p.multiProcessorCount));
  return o;
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaSynchronize");
  DeviceGuard g(d);
  check(env, cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  return env.Undefined();
}

Napi::Value DriverInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int rt = 0, drv = 0;
  if (cudaRuntimeGetVersion(&rt) != cudaSuccess) (void)cudaGetLastError();
  if (cudaDriverGetVersion(&drv) != cudaSuccess) {  // 0 without a driver
    (void)cudaGetLastError();
    drv = 0;
  }
  auto o = Napi::Object::New(env);
  o.Set("runtimeVersion", Napi::Number::New(env, rt));
  o.Set("driverVersion", Napi::Number::New(env, drv));
  o.Set("deviceCount", Napi::Number::New(env, device_count()));
  if (device_count() == 0) o.Set("error", Napi::String::New(env, unavailable_reason()));
  else o.Set("error", env.Null());
  return o;
}

Napi::Value StreamCreate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaStreamCreate");
  auto s = std::make_shared<Stream>();
  s->device = d;
  {
    DeviceGuard g(d);
    // Non-blocking, as PyTorch's streams: no implicit sync with the legacy default stream.
    check(env, cudaStreamCreateWithFlags(&s->h, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  }
  s->id = g_next_stream_id.fetch_add(1);
  auto h = std::make_unique<StreamHandle>();
  h->s = std::move(s);
  return make_token(env, std::move(h));
}

Napi::Value StreamSynchronize(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  Stream& s = *get_token<StreamHandle>(info[0], "cudaStreamSynchronize")->s;
  DeviceGuard g(s.device);
  check(env, cudaStreamSynchronize(s.h), "cudaStreamSynchronize");
  return env.Undefined();
}

// cudaErrorNotReady answers "still busy"; it is no failure, so it is cleared.
bool ready(Napi::Env env, cudaError_t e, const char* what) {
  if (e == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  check(env, e, what);
  return true;
}

Napi::Value StreamQuery(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  Stream& s = *get_token<StreamHandle>(info[0], "cudaStreamQuery")->s;
  DeviceGuard g(s.device);
  return Napi::Boolean::New(env, ready(env, cudaStreamQuery(s.h), "cudaStreamQuery"));
}

Napi::Value SetCurrentStream(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaSetCurrentStream");
  std::shared_ptr<Stream> s;
  if (!is_nullish(info[1])) {
    s = get_token<StreamHandle>(info[1], "cudaSetCurrentStream")->s;
    if (s->device != d)
      throw Napi::Error::New(env, "cudaSetCurrentStream: the stream belongs to cuda:" + std::to_string(s->device) +
                                      ", not to cuda:" + std::to_string(d));
  }
  CurrentStreams& c = currents();
  {
    std::lock_guard<std::mutex> g(c.mu);
    if (c.by_device.size() < static_cast<size_t>(device_count())) c.by_device.resize(device_count());
    c.by_device[d].swap(s);
  }
  return env.Undefined();  // `s` (the previous stream) is released here, outside the lock
}

Napi::Value EventCreate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaEventCreate");
  auto h = std::make_unique<EventHandle>();
  h->device = d;
  h->timing = info[1].ToBoolean().Value();
  DeviceGuard g(d);
  check(env, cudaEventCreateWithFlags(&h->e, h->timing ? cudaEventDefault : cudaEventDisableTiming), "cudaEventCreateWithFlags");
  return make_token(env, std::move(h));
}

// The stream argument `v` (null: the current stream of `device`), checked to be on `device`.
cudaStream_t stream_on(const Napi::Value& v, int device, const char* what) {
  if (is_nullish(v)) return current_stream(device);
  Stream& s = *get_token<StreamHandle>(v, what)->s;
  if (s.device != device)
    throw Napi::Error::New(v.Env(), std::string(what) + ": the event is on cuda:" + std::to_string(device) +
                                        " but the stream is on cuda:" + std::to_string(s.device));
  return s.h;
}

Napi::Value EventRecord(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  EventHandle& e = *get_token<EventHandle>(info[0], "cudaEventRecord");
  cudaStream_t s = stream_on(info[1], e.device, "cudaEventRecord");
  DeviceGuard g(e.device);
  check(env, cudaEventRecord(e.e, s), "cudaEventRecord");
  return env.Undefined();
}

Napi::Value StreamWaitEvent(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  EventHandle& e = *get_token<EventHandle>(info[1], "cudaStreamWaitEvent");
  // A stream may wait for an event of another device, so the stream's own device is current.
  int d = e.device;
  cudaStream_t s = nullptr;
  if (is_nullish(info[0])) {
    s = current_stream(d);
  } else {
    Stream& st = *get_token<StreamHandle>(info[0], "cudaStreamWaitEvent")->s;
    d = st.device;
    s = st.h;
  }
  DeviceGuard g(d);
  check(env, cudaStreamWaitEvent(s, e.e, 0), "cudaStreamWaitEvent");
  return env.Undefined();
}

Napi::Value EventSynchronize(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  EventHandle& e = *get_token<EventHandle>(info[0], "cudaEventSynchronize");
  DeviceGuard g(e.device);
  check(env, cudaEventSynchronize(e.e), "cudaEventSynchronize");
  return env.Undefined();
}

Napi::Value EventQuery(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  EventHandle& e = *get_token<EventHandle>(info[0], "cudaEventQuery");
  DeviceGuard g(e.device);
  return Napi::Boolean::New(env, ready(env, cudaEventQuery(e.e), "cudaEventQuery"));
}

Napi::Value EventElapsedTime(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  EventHandle& a = *get_token<EventHandle>(info[0], "cudaEventElapsedTime: start");
  EventHandle& b = *get_token<EventHandle>(info[1], "cudaEventElapsedTime: end");
  if (!a.timing || !b.timing)
    throw Napi::Error::New(env, "cudaEventElapsedTime: both events must be created with enableTiming = true");
  if (a.device != b.device)
    throw Napi::Error::New(env, "cudaEventElapsedTime: the events are on different devices (cuda:" + std::to_string(a.device) +
                                    " and cuda:" + std::to_string(b.device) + ")");
  DeviceGuard g(a.device);
  float ms = 0;
  check(env, cudaEventElapsedTime(&ms, a.e, b.e), "cudaEventElapsedTime (were both events recorded and completed?)");
  return Napi::Number::New(env, ms);
}

TL_EXPORT("cudaDeviceCount", DeviceCount);
TL_EXPORT("cudaCurrentDevice", CurrentDevice);
TL_EXPORT("cudaSetDevice", SetDevice);
TL_EXPORT("cudaDeviceProperties", DeviceProperties);
TL_EXPORT("cudaSynchronize", Synchronize);
TL_EXPORT("cudaDriverInfo", DriverInfo);
TL_EXPORT("cudaStreamCreate", StreamCreate);
TL_EXPORT("cudaStreamSynchronize", StreamSynchronize);
TL_EXPORT("cudaStreamQuery", StreamQuery);
TL_EXPORT("cudaSetCurrentStream", SetCurrentStream);
TL_EXPORT("cudaStreamWaitEvent", StreamWaitEvent);
TL_EXPORT("cudaEventCreate", EventCreate);
TL_EXPORT("cudaEventRecord", EventRecord);
TL_EXPORT("cudaEventSynchronize", EventSynchronize);
TL_EXPORT("cudaEventQuery", EventQuery);
TL_EXPORT("cudaEventElapsedTime", EventElapsedTime);

}  // namespace
}  // namespace tl::cuda
