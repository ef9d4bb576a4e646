#pragma once
/// Starting, signalling and reaping child processes for black-box tests (fork/exec, no shell).

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crema::test {

/// A complete environment for a child: name → value.
using Environment = std::map<std::string, std::string>;

/// Changes on top of a base environment: a value sets, std::nullopt removes.
using EnvOverrides = std::map<std::string, std::optional<std::string>>;

/// The variables a child keeps from the test's own environment: PATH, HOME and TZ (when set).
/// Nothing else leaks in, in particular no CREMA_ variable of the developer's shell.
Environment clean_environment();

/// `base` with `overrides` applied.
Environment apply_overrides(Environment base, const EnvOverrides& overrides);

/// How to start a child.
struct SpawnOptions {
  std::vector<std::string> argv;  ///< argv[0] is the program's path
  Environment env;                ///< the child's complete environment
  std::string stdout_path;        ///< file that receives stdout ("" → /dev/null)
  std::string stderr_path;        ///< file that receives stderr ("" → /dev/null)
  bool stdin_pipe = false;        ///< give the child a pipe on stdin (else /dev/null)
};

/// One child process. It is killed (SIGKILL) and reaped when this object is destroyed, and it
/// also dies with the test process (PR_SET_PDEATHSIG), so no test leaves a process behind.
class ChildProcess {
 public:
  /// Forks and execs; throws std::runtime_error when the program cannot be started.
  explicit ChildProcess(const SpawnOptions& options);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// The child's pid.
  pid_t pid() const noexcept { return pid_; }
  /// Whether it is still running (reaps it when it has exited).
  bool running();
  /// Its exit code once reaped: the exit status, or 128 + signal number when a signal killed it.
  std::optional<int> exit_code() const noexcept { return exit_code_; }
  /// Whether a signal (not exit()) ended it.
  bool killed_by_signal() const noexcept { return signaled_; }
  /// Sends a signal (no-op once reaped).
  void signal(int sig);
  /// Waits for the exit up to `timeout`; the exit code, or nullopt when still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  /// SIGKILL and reap.
  void kill_and_reap();
  /// Writes to the child's stdin pipe (needs stdin_pipe); throws on failure.
  void write_stdin(std::string_view data);
  /// Closes the child's stdin pipe, so it sees end of input.
  void close_stdin();

 private:
  bool try_reap(bool block);
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_code_;
  bool signaled_ = false;
};

/// What a finished one-shot command produced.
struct RunResult {
  int exit_code = -1;      ///< exit status, or 128 + signal
  std::string out;         ///< everything on stdout
  std::string err;         ///< everything on stderr
  bool timed_out = false;  ///< killed because it ran past the timeout

  /// The non-empty lines of `err`.
  std::vector<std::string> err_lines() const;
  /// The non-empty lines of `out`.
  std::vector<std::string> out_lines() const;
};

/// Runs a program to completion with `stdin_data` on its stdin; kills it after `timeout`.
RunResult run_process(const std::vector<std::string>& argv, const Environment& env,
                      std::string_view stdin_data = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// The full path of a program found in $PATH (or `name` itself when it contains a '/');
/// "" when not found.
std::string find_program(std::string_view name);

/// Splits text into its non-empty lines (without the newline).
std::vector<std::string> split_lines(std::string_view text);

}  // namespace crema::test
