#pragma once
/// The real `crema` binary (path in CREMA_TEST_BIN) as a black box: `crema serve` as a managed
/// child process, and one-shot commands (`migrate`, `create-admin`, `--help`, …).

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "support/child_process.hpp"
#include "support/scratch_dir.hpp"

namespace crema::test {

/// The binary under test: $CREMA_TEST_BIN; throws std::runtime_error when unset.
std::string crema_binary();

/// How to start `crema serve`.
struct ServerOptions {
  /// CREMA_DATABASE_URL, normally TestDatabase::url() of a fresh test database. Keep that
  /// database alive longer than the server (declare it first).
  std::string database_url;
  /// Variables on top of the defaults (a value sets or replaces, std::nullopt removes).
  /// Defaults: PATH, HOME, TZ from the test's environment, CREMA_LISTEN=127.0.0.1:0,
  /// CREMA_DATABASE_URL, CREMA_DATA_DIR=<a private temp dir>, CREMA_LOG_LEVEL=info.
  EnvOverrides env;
  /// Extra arguments after `serve`, e.g. {"--listen", "127.0.0.1:0"}.
  std::vector<std::string> args;
  /// How long to wait for the "listening" log line.
  std::chrono::milliseconds start_timeout{std::chrono::seconds(20)};
};

/// A running `crema serve`. The constructor returns once the server logged
/// {"msg":"listening","address":"127.0.0.1:PORT"}; it throws std::runtime_error (with the
/// captured stdout and stderr) when the process exits first or the timeout passes. The
/// destructor stops a server that still runs with SIGTERM (a normal exit, so a coverage
/// build writes its counters), and SIGKILLs it when it has not exited 10 s later, so no
/// test leaves a server behind.
class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// http://127.0.0.1:PORT, or https:// when CREMA_TLS_CERT was given.
  std::string base_url() const;
  /// The bound host ("127.0.0.1").
  const std::string& host() const noexcept { return host_; }
  /// The bound port (read from the "listening" line).
  std::uint16_t port() const noexcept { return port_; }
  /// The process id.
  pid_t pid() const noexcept { return child_.pid(); }
  /// Whether the process still runs.
  bool running() { return child_.running(); }
  /// The complete environment the server was started with.
  const Environment& environment() const noexcept { return env_; }
  /// CREMA_DATA_DIR of this server.
  std::string data_dir() const { return scratch_.file("data"); }

  /// Every stdout line that is a JSON object, in order (re-read on each call).
  std::vector<boost::json::object> log_lines() const;
  /// Everything written to stdout / stderr so far.
  std::string stdout_text() const;
  std::string stderr_text() const;
  /// Waits for a JSON log line satisfying `pred`; nullopt after `timeout`.
  std::optional<boost::json::object> wait_for_log(
      const std::function<bool(const boost::json::object&)>& pred,
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  /// Waits for the access-log line ("msg":"request") of the request with this id.
  std::optional<boost::json::object> wait_for_request_log(
      std::string_view request_id,
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  /// Sends `sig` and waits up to `timeout` for the exit; returns the exit code (128 + signal
  /// when a signal ended it). On timeout it records a test failure, SIGKILLs and returns -1.
  int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(25));
  /// Sends a signal without waiting.
  void signal(int sig) { child_.signal(sig); }
  /// Waits for the exit up to `timeout` (nullopt while still running).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) { return child_.wait(timeout); }
  /// SIGKILL, reaped at once.
  void kill9() { child_.kill_and_reap(); }

 private:
  static ChildProcess spawn(ScratchDir& scratch, const ServerOptions& options, Environment& env);
  void wait_listening(std::chrono::milliseconds timeout);
  ScratchDir scratch_;
  Environment env_;
  ChildProcess child_;
  std::string host_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
};

/// Runs `crema ARGS…` to completion. The environment is PATH, HOME and TZ plus `env` (and
/// CREMA_DATA_DIR set to a private temp dir unless `env` names it). Kills it after `timeout`.
RunResult run_crema(const std::vector<std::string>& args, const EnvOverrides& env = {},
                    std::string_view stdin_data = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Parses the JSON-object lines of a log text (non-JSON lines are skipped).
std::vector<boost::json::object> parse_log_lines(std::string_view text);

}  // namespace crema::test
