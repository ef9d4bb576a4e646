#include "obs/trace.hpp"

#include <sodium.h>

#include <boost/json.hpp>
#include <curl/curl.h>

#include "obs/log.hpp"
#include "obs/report_post.hpp"

namespace crema::obs {

namespace {

namespace json = boost::json;

std::atomic<bool> g_tracing{false};
thread_local const TraceContext* t_current = nullptr;

bool lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  bool nonzero = false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    nonzero = nonzero || c != '0';
  }
  return nonzero;
}

std::string random_hex(std::size_t bytes) {
  static const bool sodium_ready = sodium_init() >= 0;  // idempotent, thread-safe
  (void)sodium_ready;
  unsigned char buf[16];
  std::string out;
  for (;;) {
    randombytes_buf(buf, bytes);
    static constexpr char kHex[] = "0123456789abcdef";
    out.clear();
    bool nonzero = false;
    for (std::size_t i = 0; i < bytes; ++i) {
      out += kHex[buf[i] >> 4];
      out += kHex[buf[i] & 0xf];
      nonzero = nonzero || buf[i] != 0;
    }
    if (nonzero) return out;  // W3C: an all-zero id is invalid
  }
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::object attribute(const std::string& key, const AttributeValue& value) {
  json::object v;
  if (const auto* s = std::get_if<std::string>(&value)) {
    v["stringValue"] = *s;
  } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
    v["intValue"] = std::to_string(*i);  // int64 is a JSON string in the protobuf mapping
  } else {
    v["boolValue"] = std::get<bool>(value);
  }
  json::object out;
  out["key"] = key;
  out["value"] = std::move(v);
  return out;
}

}  // namespace

std::string TraceContext::traceparent() const {
  return "00-" + trace_id + "-" + span_id + (sampled ? "-01" : "-00");
}

std::optional<TraceContext> TraceContext::parse(std::string_view text) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (text.size() != 55 || text.substr(0, 3) != "00-" || text[35] != '-' || text[52] != '-')
    return std::nullopt;
  const auto trace = text.substr(3, 32);
  const auto span = text.substr(36, 16);
  const auto flags = text.substr(53, 2);
  if (!lower_hex(trace, 32) || !lower_hex(span, 16)) return std::nullopt;
  int f = 0;
  for (char c : flags) {
    int d = 0;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    f = f * 16 + d;
  }
  return TraceContext{std::string(trace), std::string(span), (f & 1) != 0};
}

const TraceContext* current_trace() noexcept { return t_current; }

std::string traceparent_header_line() {
  return t_current ? "traceparent: " + t_current->traceparent() : std::string();
}

bool tracing_enabled() noexcept { return g_tracing.load(std::memory_order_relaxed); }

ScopedSpan::ScopedSpan(std::string_view name, SpanKind kind) { open(name, kind, t_current); }

ScopedSpan::ScopedSpan(std::string_view name, SpanKind kind,
                       const std::optional<TraceContext>& parent) {
  open(name, kind, parent ? &*parent : nullptr);
}

void ScopedSpan::open(std::string_view name, SpanKind kind, const TraceContext* parent) {
  record_ = tracing_enabled();
  if (!parent && !record_) return;
  active_ = true;
  if (parent) {
    context_.trace_id = parent->trace_id;
    context_.sampled = parent->sampled;
  } else {
    context_.trace_id = random_hex(16);
  }
  context_.span_id = random_hex(8);
  // A caller that asked not to sample (flags 00) is followed: the context goes on, the span
  // is not exported.
  record_ = record_ && context_.sampled;
  previous_ = t_current;
  t_current = &context_;
  if (record_) {
    record_data_.trace_id = context_.trace_id;
    record_data_.span_id = context_.span_id;
    if (parent) record_data_.parent_span_id = parent->span_id;
    record_data_.name = std::string(name);
    record_data_.kind = kind;
    record_data_.start_ns = now_ns();
  }
}

ScopedSpan::~ScopedSpan() {
  if (!active_) return;
  t_current = previous_;
  if (!record_) return;
  record_data_.end_ns = now_ns();
  OtlpExporter::instance().push(std::move(record_data_));
}

ScopedSpan& ScopedSpan::attr(std::string_view key, std::string_view value) {
  if (record_) record_data_.attributes.emplace_back(std::string(key), std::string(value));
  return *this;
}

ScopedSpan& ScopedSpan::attr(std::string_view key, std::int64_t value) {
  if (record_) record_data_.attributes.emplace_back(std::string(key), value);
  return *this;
}

ScopedSpan& ScopedSpan::attr(std::string_view key, bool value) {
  if (record_) record_data_.attributes.emplace_back(std::string(key), value);
  return *this;
}

void ScopedSpan::fail(std::string_view message) {
  if (!record_) return;
  record_data_.error = true;
  record_data_.status_message = std::string(message.substr(0, 200));
}

std::string otlp_json(const std::vector<SpanRecord>& spans, std::string_view service_name,
                      std::string_view service_version) {
  json::array out_spans;
  out_spans.reserve(spans.size());
  for (const auto& s : spans) {
    json::object o;
    o["traceId"] = s.trace_id;
    o["spanId"] = s.span_id;
    if (!s.parent_span_id.empty()) o["parentSpanId"] = s.parent_span_id;
    o["name"] = s.name;
    o["kind"] = static_cast<int>(s.kind);
    o["startTimeUnixNano"] = std::to_string(s.start_ns);
    o["endTimeUnixNano"] = std::to_string(s.end_ns);
    json::array attrs;
    for (const auto& [k, v] : s.attributes) attrs.push_back(attribute(k, v));
    o["attributes"] = std::move(attrs);
    json::object status{{"code", s.error ? 2 : 0}};
    if (s.error) status["message"] = s.status_message;
    o["status"] = std::move(status);
    out_spans.push_back(std::move(o));
  }
  json::array resource_attrs;
  resource_attrs.push_back(attribute("service.name", std::string(service_name)));
  if (!service_version.empty())
    resource_attrs.push_back(attribute("service.version", std::string(service_version)));
  json::object scope;
  scope["name"] = "crema";
  json::object scope_spans;
  scope_spans["scope"] = std::move(scope);
  scope_spans["spans"] = std::move(out_spans);
  json::object resource;
  resource["attributes"] = std::move(resource_attrs);
  json::object resource_spans;
  resource_spans["resource"] = std::move(resource);
  resource_spans["scopeSpans"].emplace_array().push_back(std::move(scope_spans));
  json::object doc;
  doc["resourceSpans"].emplace_array().push_back(std::move(resource_spans));
  return json::serialize(doc);
}

std::optional<std::string> otlp_traces_url(std::string_view endpoint) {
  if (!(endpoint.starts_with("http://") || endpoint.starts_with("https://"))) return std::nullopt;
  const auto scheme_end = endpoint.find("://") + 3;
  if (endpoint.size() == scheme_end) return std::nullopt;  // no host
  std::string url(endpoint);
  if (url.ends_with("/v1/traces")) return url;
  while (url.size() > scheme_end && url.back() == '/') url.pop_back();
  return url + "/v1/traces";
}

OtlpExporter& OtlpExporter::instance() {
  // Never destroyed: a span closing on a thread that outlives main's locals still finds it.
  static auto* exporter = new OtlpExporter();
  return *exporter;
}

void OtlpExporter::start(OtlpOptions options) {
  std::lock_guard lock(mutex_);
  if (running_) return;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  options_ = std::move(options);
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
  g_tracing.store(true, std::memory_order_relaxed);
}

void OtlpExporter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    g_tracing.store(false, std::memory_order_relaxed);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
}

void OtlpExporter::push(SpanRecord&& span) {
  {
    std::lock_guard lock(mutex_);
    if (!running_ || stopping_ || queue_.size() >= options_.max_queued) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(span));
    if (queue_.size() < options_.max_batch) return;
  }
  wake_.notify_one();  // a full batch goes out without waiting for the interval
}

bool OtlpExporter::send(const std::vector<SpanRecord>& batch) {
  const std::string error =
      post_report(options_.url, {"Content-Type: application/json"},
                  otlp_json(batch, options_.service_name, options_.service_version),
                  options_.timeout, options_.timeout);
  if (!error.empty())
    Log(Level::warn, "trace spans not delivered")
        .num("spans", static_cast<std::int64_t>(batch.size()))
        .str("error", error);
  return error.empty();
}

void OtlpExporter::loop() {
  for (;;) {
    std::vector<SpanRecord> batch;
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.interval,
                     [this] { return stopping_ || queue_.size() >= options_.max_batch; });
      const std::size_t n = std::min(queue_.size(), options_.max_batch);
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      last = stopping_ && queue_.empty();
    }
    if (!batch.empty()) {
      if (send(batch)) {
        exported_.fetch_add(batch.size(), std::memory_order_relaxed);
      } else {
        dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
        std::lock_guard lock(mutex_);
        if (stopping_) {
          // The collector does not answer: do not hold the exit for every batch's timeout.
          dropped_.fetch_add(queue_.size(), std::memory_order_relaxed);
          queue_.clear();
          last = true;
        }
      }
    }
    if (last) return;
  }
}

}  // namespace crema::obs
