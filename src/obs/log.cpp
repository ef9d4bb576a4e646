#include "obs/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <shared_mutex>

#include "util/json_escape.hpp"

namespace crema::obs {

namespace {
std::atomic<Level> g_level{Level::info};
// Error lines are rare: a shared lock around the sink call is cheap, and lets
// set_error_sink(nullptr) wait until no call into the old sink is running.
std::shared_mutex g_sink_mutex;
ErrorSink g_sink = nullptr;
void* g_sink_context = nullptr;
std::atomic<bool> g_has_sink{false};
constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

// "2026-11-22T09:15:00.123Z" for now; the seconds part is cached per thread.
void append_timestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[24];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  out += cached;
  out += frac;
}

void write_all(std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, s.data(), s.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failing log
    }
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}
}  // namespace

void set_log_level(Level level) noexcept { g_level.store(level, std::memory_order_relaxed); }

bool log_enabled(Level level) noexcept { return level >= g_level.load(std::memory_order_relaxed); }

void append_json_escaped(std::string& out, std::string_view s) {
  util::append_json_escaped(out, s);
}

void set_error_sink(ErrorSink sink, void* context) {
  std::unique_lock lock(g_sink_mutex);
  g_sink = sink;
  g_sink_context = context;
  g_has_sink.store(sink != nullptr, std::memory_order_release);
}

Log::Log(Level level, std::string_view msg)
    : on_(log_enabled(level)), error_(level == Level::error) {
  if (!on_) return;
  line_.reserve(256);
  line_ += "{\"ts\":\"";
  append_timestamp(line_);
  line_ += "\",\"level\":\"";
  line_ += kLevelNames[static_cast<int>(level)];
  line_ += "\",\"msg\":\"";
  append_json_escaped(line_, msg);
  line_ += '"';
}

Log::~Log() {
  if (!on_) return;
  line_ += "}\n";
  write_all(line_);
  if (error_ && g_has_sink.load(std::memory_order_acquire)) {
    std::shared_lock lock(g_sink_mutex);
    if (g_sink != nullptr) {
      g_sink(g_sink_context, std::string_view(line_).substr(0, line_.size() - 1));
    }
  }
}

void Log::key(std::string_view k) {
  line_ += ",\"";
  append_json_escaped(line_, k);
  line_ += "\":";
}

Log& Log::str(std::string_view k, std::string_view value) {
  if (!on_) return *this;
  key(k);
  line_ += '"';
  append_json_escaped(line_, value);
  line_ += '"';
  return *this;
}

Log& Log::num(std::string_view k, std::int64_t value) {
  if (!on_) return *this;
  key(k);
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, value);
  line_.append(buf, p);
  return *this;
}

Log& Log::real(std::string_view k, double value) {
  if (!on_) return *this;
  key(k);
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.3f", value);
  line_.append(buf, static_cast<std::size_t>(n));
  return *this;
}

Log& Log::boolean(std::string_view k, bool value) {
  if (!on_) return *this;
  key(k);
  line_ += value ? "true" : "false";
  return *this;
}

Log& Log::null(std::string_view k) {
  if (!on_) return *this;
  key(k);
  line_ += "null";
  return *this;
}

}  // namespace crema::obs
