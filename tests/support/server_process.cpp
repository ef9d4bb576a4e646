#include "support/server_process.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "support/http_message.hpp"

namespace crema::test {

namespace {

using Clock = std::chrono::steady_clock;

// How long a server torn down by the destructor may take to exit after SIGTERM.
constexpr std::chrono::milliseconds kTeardownGrace{10000};

std::string tail(const std::string& s, std::size_t n = 4000) {
  return s.size() <= n ? s : "…" + s.substr(s.size() - n);
}

}  // namespace

std::string crema_binary() {
  const char* bin = std::getenv("CREMA_TEST_BIN");
  if (!bin || !*bin)
    throw std::runtime_error("CREMA_TEST_BIN is not set (path of the crema binary)");
  return bin;
}

std::vector<boost::json::object> parse_log_lines(std::string_view text) {
  std::vector<boost::json::object> out;
  for (const auto& line : split_lines(text)) {
    if (line.empty() || line.front() != '{') continue;
    if (auto v = parse_json(line); v && v->is_object()) out.push_back(std::move(v->get_object()));
  }
  return out;
}

ChildProcess ServerProcess::spawn(ScratchDir& scratch, const ServerOptions& options,
                                  Environment& env) {
  std::filesystem::create_directories(scratch.path() / "data");
  Environment base = clean_environment();
  base["CREMA_LISTEN"] = "127.0.0.1:0";
  if (!options.database_url.empty()) base["CREMA_DATABASE_URL"] = options.database_url;
  base["CREMA_DATA_DIR"] = scratch.file("data");
  base["CREMA_LOG_LEVEL"] = "info";
  env = apply_overrides(std::move(base), options.env);
  SpawnOptions spawn;
  spawn.argv = {crema_binary(), "serve"};
  spawn.argv.insert(spawn.argv.end(), options.args.begin(), options.args.end());
  spawn.env = env;
  spawn.stdout_path = scratch.file("stdout.log");
  spawn.stderr_path = scratch.file("stderr.log");
  return ChildProcess(spawn);
}

ServerProcess::ServerProcess(ServerOptions options)
    : scratch_("crema-server-"), child_(spawn(scratch_, options, env_)) {
  tls_ = env_.count("CREMA_TLS_CERT") > 0;
  wait_listening(options.start_timeout);
}

ServerProcess::~ServerProcess() {
  // Gracefully, as an operator would: the server exits normally, so a coverage build
  // (gcc --coverage writes its counters at exit) counts what the black-box tests ran.
  // SIGKILL when it does not stop in time, so no test leaves a server behind.
  if (!child_.running()) return;
  child_.signal(SIGTERM);
  if (!child_.wait(kTeardownGrace)) {
    std::fprintf(stderr,
                 "[server_process] crema (pid %d) still ran %lld ms after SIGTERM; killed\n",
                 static_cast<int>(child_.pid()), static_cast<long long>(kTeardownGrace.count()));
    child_.kill_and_reap();
  }
}

void ServerProcess::wait_listening(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    for (const auto& line : log_lines()) {
      auto* msg = line.if_contains("msg");
      auto* addr = line.if_contains("address");
      if (msg && msg->is_string() && msg->get_string() == "listening" && addr &&
          addr->is_string()) {
        std::string a(addr->get_string());
        auto colon = a.rfind(':');
        if (colon == std::string::npos) throw std::runtime_error("bad listening address: " + a);
        host_ = a.substr(0, colon);
        if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
        port_ = static_cast<std::uint16_t>(std::stoi(a.substr(colon + 1)));
        return;
      }
    }
    if (!child_.running()) {
      throw std::runtime_error("crema serve exited with code " +
                               std::to_string(child_.exit_code().value_or(-1)) +
                               " before listening.\nstderr:\n" + tail(stderr_text()) +
                               "\nstdout:\n" + tail(stdout_text()));
    }
    if (Clock::now() >= deadline) {
      child_.kill_and_reap();
      throw std::runtime_error(
          "crema serve did not log \"listening\" within the timeout.\nstderr:\n" +
          tail(stderr_text()) + "\nstdout:\n" + tail(stdout_text()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string ServerProcess::base_url() const {
  return std::string(tls_ ? "https://" : "http://") + host_ + ":" + std::to_string(port_);
}

std::vector<boost::json::object> ServerProcess::log_lines() const {
  return parse_log_lines(stdout_text());
}

std::string ServerProcess::stdout_text() const { return read_file(scratch_.file("stdout.log")); }
std::string ServerProcess::stderr_text() const { return read_file(scratch_.file("stderr.log")); }

std::optional<boost::json::object> ServerProcess::wait_for_log(
    const std::function<bool(const boost::json::object&)>& pred,
    std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    for (auto& line : log_lines()) {
      if (pred(line)) return std::move(line);
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<boost::json::object> ServerProcess::wait_for_request_log(
    std::string_view request_id, std::chrono::milliseconds timeout) const {
  return wait_for_log(
      [&](const boost::json::object& o) {
        auto* msg = o.if_contains("msg");
        auto* id = o.if_contains("request_id");
        return msg && msg->is_string() && msg->get_string() == "request" && id && id->is_string() &&
               id->get_string() == request_id;
      },
      timeout);
}

int ServerProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (!child_.running()) return child_.exit_code().value_or(-1);
  child_.signal(sig);
  if (auto code = child_.wait(timeout)) return *code;
  ADD_FAILURE() << "crema (pid " << child_.pid() << ") did not exit within " << timeout.count()
                << " ms of signal " << sig << "; killed.\nstderr:\n"
                << tail(stderr_text());
  child_.kill_and_reap();
  return -1;
}

RunResult run_crema(const std::vector<std::string>& args, const EnvOverrides& env,
                    std::string_view stdin_data, std::chrono::milliseconds timeout) {
  ScratchDir scratch("crema-cmd-");
  Environment base = clean_environment();
  base["CREMA_DATA_DIR"] = scratch.file("data");
  std::filesystem::create_directories(scratch.path() / "data");
  std::vector<std::string> argv{crema_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, apply_overrides(std::move(base), env), stdin_data, timeout);
}

}  // namespace crema::test
