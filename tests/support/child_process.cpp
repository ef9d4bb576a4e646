#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/scratch_dir.hpp"

namespace crema::test {

namespace {

// A child whose stdin reader is gone must not kill the test with SIGPIPE; nor must a server
// that closed a socket the test still writes to.
void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

Environment clean_environment() {
  Environment env;
  for (const char* name : {"PATH", "HOME", "TZ"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  if (env.find("PATH") == env.end()) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  return env;
}

Environment apply_overrides(Environment base, const EnvOverrides& overrides) {
  for (const auto& [name, value] : overrides) {
    if (value) {
      base[name] = *value;
    } else {
      base.erase(name);
    }
  }
  return base;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string find_program(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return std::string(name);
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    std::string candidate = std::string(dirs.substr(0, colon)) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

std::vector<std::string> RunResult::err_lines() const { return split_lines(err); }
std::vector<std::string> RunResult::out_lines() const { return split_lines(out); }

ChildProcess::ChildProcess(const SpawnOptions& options) {
  ignore_sigpipe_once();
  if (options.argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");

  // Everything the child needs is prepared before fork: only async-signal-safe calls after.
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  auto open_out = [](const std::string& path) {
    int fd = path.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                          : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    return fd;
  };
  int out_fd = open_out(options.stdout_path);
  int err_fd = open_out(options.stderr_path);
  int in_fds[2] = {-1, -1};
  if (options.stdin_pipe) {
    if (::pipe2(in_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  } else {
    in_fds[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  // A pipe that reports a failed exec: closed by a successful exec (CLOEXEC), else errno.
  int exec_fds[2];
  if (::pipe2(exec_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the test died between fork and prctl
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(in_fds[0], 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    // Sockets and files of the test (open connections!) must not leak into the child.
    for (int fd = 3; fd < 4096; ++fd) {
      if (fd != exec_fds[1]) ::close(fd);
    }
    ::execve(argv[0], argv.data(), envp.data());
    int e = errno;
    [[maybe_unused]] auto n = ::write(exec_fds[1], &e, sizeof e);
    ::_exit(127);
  }
  pid_ = pid;
  ::close(exec_fds[1]);
  ::close(out_fd);
  ::close(err_fd);
  ::close(in_fds[0]);
  stdin_fd_ = in_fds[1];
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(exec_fds[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(exec_fds[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    try_reap(true);
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
    throw std::runtime_error("cannot execute " + options.argv[0] + ": " +
                             std::strerror(child_errno));
  }
}

ChildProcess::~ChildProcess() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (pid_ > 0) kill_and_reap();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      stdin_fd_(other.stdin_fd_),
      exit_code_(other.exit_code_),
      signaled_(other.signaled_) {
  other.pid_ = -1;
  other.stdin_fd_ = -1;
}

bool ChildProcess::try_reap(bool block) {
  if (exit_code_) return true;
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  if (r < 0) {  // not our child any more (should not happen): treat as gone
    exit_code_ = -1;
    return true;
  }
  if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    signaled_ = true;
    exit_code_ = 128 + WTERMSIG(status);
  } else {
    return false;
  }
  return true;
}

bool ChildProcess::running() { return !try_reap(false); }

void ChildProcess::signal(int sig) {
  if (pid_ > 0 && !exit_code_ && !try_reap(false)) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!try_reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_code_;
}

void ChildProcess::kill_and_reap() {
  if (pid_ <= 0 || exit_code_) return;
  if (!try_reap(false)) {
    ::kill(pid_, SIGKILL);
    try_reap(true);
  }
}

void ChildProcess::write_stdin(std::string_view data) {
  if (stdin_fd_ < 0) throw std::logic_error("ChildProcess: no stdin pipe");
  while (!data.empty()) {
    ssize_t n = ::write(stdin_fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("write to child stdin: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

RunResult run_process(const std::vector<std::string>& argv, const Environment& env,
                      std::string_view stdin_data, std::chrono::milliseconds timeout) {
  ScratchDir dir("crema-run-");
  SpawnOptions opts;
  opts.argv = argv;
  opts.env = env;
  opts.stdout_path = dir.file("stdout");
  opts.stderr_path = dir.file("stderr");
  opts.stdin_pipe = true;
  ChildProcess child(opts);
  try {
    child.write_stdin(stdin_data);
  } catch (const std::exception&) {
    // The program may exit without reading its input; its exit code tells the story.
  }
  child.close_stdin();
  RunResult result;
  auto code = child.wait(timeout);
  if (!code) {
    result.timed_out = true;
    child.kill_and_reap();
    code = child.exit_code();
  }
  result.exit_code = code.value_or(-1);
  result.out = read_file(opts.stdout_path);
  result.err = read_file(opts.stderr_path);
  return result;
}

}  // namespace crema::test
