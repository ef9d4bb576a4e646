#pragma once
/// Structured logging: one JSON object per line on stdout, written with a single write(2)
/// so lines from several threads never interleave.

#include <cstdint>
#include <string>
#include <string_view>

namespace crema::obs {

enum class Level : std::uint8_t { debug, info, warn, error };

void set_log_level(Level level) noexcept;
bool log_enabled(Level level) noexcept;

/// Builds one log line; written when destroyed. Usage:
///   obs::Log(obs::Level::info, "listening").str("address", addr);
class Log {
 public:
  Log(Level level, std::string_view msg);
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;
  ~Log();

  Log& str(std::string_view key, std::string_view value);
  Log& num(std::string_view key, std::int64_t value);
  Log& real(std::string_view key, double value);
  Log& boolean(std::string_view key, bool value);
  Log& null(std::string_view key);

 private:
  void key(std::string_view k);
  bool on_;
  bool error_;
  std::string line_;
};

/// Where error-level lines also go (the Sentry reporter), besides stdout: called with the
/// complete JSON object of each `error` line, on the logging thread; must not block. Pass
/// nullptr to stop; once set_error_sink returns, the previous sink is no longer called.
using ErrorSink = void (*)(void* context, std::string_view line);
void set_error_sink(ErrorSink sink, void* context);

/// Appends `s` to `out` as the body of a JSON string (no quotes), escaping as RFC 8259 says.
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace crema::obs
