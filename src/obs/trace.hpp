#pragma once
/// Distributed tracing (SPEC §15.5): W3C Trace Context in and out, spans exported in OTLP/HTTP
/// (JSON encoding) to CREMA_OTLP_ENDPOINT — Jaeger, an OpenTelemetry Collector, Tempo…
///
/// A span covers a scope on one thread (`ScopedSpan`); the innermost open span of a thread is
/// its current trace context, which the outbound HTTP calls send as `traceparent` and the
/// outbox keeps with each row it writes (so a webhook sent later continues the trace). The
/// request handlers, transactions, outbound calls and outbox deliveries all run synchronously
/// on one thread each, so a thread-local current span is all the propagation they need.
///
/// Without an endpoint nothing is recorded; a span still exists when there is a parent to
/// continue (a caller's `traceparent`, an outbox row's), so what Crema calls out to still
/// joins the caller's trace. With one, finished spans go to a bounded queue that one
/// background thread sends in batches; when the collector is slow or down the queue fills
/// and further spans are dropped and counted — a span never waits for the network.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace crema::obs {

/// A position in a trace: the W3C `traceparent` fields.
struct TraceContext {
  std::string trace_id;  ///< 32 lower-case hex digits, not all zero
  std::string span_id;   ///< 16 lower-case hex digits, not all zero
  bool sampled = true;

  /// `00-<trace_id>-<span_id>-01` (or `-00` when not sampled).
  std::string traceparent() const;
  /// A W3C traceparent of version 00 (lower-case hex, ids not all zero); nothing otherwise.
  static std::optional<TraceContext> parse(std::string_view traceparent);
};

/// OTLP's SpanKind numbers.
enum class SpanKind : int { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };

using AttributeValue = std::variant<std::string, std::int64_t, bool>;

/// A finished span, as exported.
struct SpanRecord {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;  ///< "" for a root span
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::int64_t start_ns = 0;  ///< Unix epoch nanoseconds
  std::int64_t end_ns = 0;
  std::vector<std::pair<std::string, AttributeValue>> attributes;
  bool error = false;
  std::string status_message;  ///< why it failed, when `error`
};

/// The calling thread's innermost open span, or nullptr.
const TraceContext* current_trace() noexcept;

/// `traceparent: 00-…` for the thread's current span (a libcurl header line), "" without one.
std::string traceparent_header_line();

/// Whether spans are recorded (an exporter is running).
bool tracing_enabled() noexcept;

/// A span over a scope, on the thread that opens it; it is the thread's current span until it
/// closes (spans on a thread must nest, which scopes guarantee).
class ScopedSpan {
 public:
  /// A child of the thread's current span; a new trace when there is none and tracing is on;
  /// otherwise inactive (costs nothing).
  explicit ScopedSpan(std::string_view name, SpanKind kind = SpanKind::internal);
  /// A child of `parent` whatever the thread's current span is (a request continuing its
  /// caller's trace, an outbox delivery continuing its row's); a new trace when `parent` is
  /// empty and tracing is on; otherwise inactive.
  ScopedSpan(std::string_view name, SpanKind kind, const std::optional<TraceContext>& parent);
  ~ScopedSpan();
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;

  bool active() const noexcept { return active_; }
  /// This span's position (valid when active).
  const TraceContext& context() const noexcept { return context_; }

  ScopedSpan& attr(std::string_view key, std::string_view value);
  ScopedSpan& attr(std::string_view key, const char* value) {
    return attr(key, std::string_view(value));
  }
  ScopedSpan& attr(std::string_view key, std::int64_t value);
  ScopedSpan& attr(std::string_view key, bool value);
  /// Marks the span failed (OTLP status ERROR) with a short reason (never a secret).
  void fail(std::string_view message);

 private:
  void open(std::string_view name, SpanKind kind, const TraceContext* parent);

  bool active_ = false;
  bool record_ = false;  ///< exported when closed (tracing on)
  TraceContext context_;
  const TraceContext* previous_ = nullptr;
  SpanRecord record_data_;
};

/// The OTLP/HTTP JSON body (ExportTraceServiceRequest) for a batch of spans of one service.
std::string otlp_json(const std::vector<SpanRecord>& spans, std::string_view service_name,
                      std::string_view service_version);

/// `CREMA_OTLP_ENDPOINT` → the URL spans are POSTed to: the base URL's `/v1/traces`, or the
/// URL as given when it already ends in `/v1/traces`. Nothing when it is not http(s)://.
std::optional<std::string> otlp_traces_url(std::string_view endpoint);

struct OtlpOptions {
  std::string url;  ///< from otlp_traces_url
  std::string service_name = "crema";
  std::string service_version;
  std::size_t max_queued = 8192;  ///< spans waiting; beyond this new ones are dropped
  std::size_t max_batch = 512;
  std::chrono::milliseconds interval{1000};  ///< a batch goes out at least this often
  std::chrono::milliseconds timeout{2000};   ///< per POST
};

/// The exporter: one per process (spans are handed to it from any thread). start() turns
/// tracing on; stop() turns it off and sends what is queued (bounded by the timeout).
class OtlpExporter {
 public:
  static OtlpExporter& instance();

  void start(OtlpOptions options);
  void stop();

  /// Queues a finished span (any thread, never blocks on the network); dropped when full.
  void push(SpanRecord&& span);

  std::uint64_t exported() const noexcept { return exported_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  OtlpExporter() = default;
  void loop();
  bool send(const std::vector<SpanRecord>& batch);

  OtlpOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<SpanRecord> queue_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<std::uint64_t> exported_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace crema::obs
