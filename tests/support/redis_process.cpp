#include "support/redis_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "support/raw_connection.hpp"

namespace crema::test {

std::optional<std::string> shared_redis_url() {
  const char* v = std::getenv("CREMA_TEST_REDIS_URL");
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::string redis_unavailable_reason() {
  if (find_program("redis-server").empty())
    return "redis-server is not installed (apt-get install redis-server, or scripts/deps.sh test)";
  return {};
}

bool redis_answers(std::uint16_t port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
    pollfd p{fd, POLLIN, 0};
    char buf[16] = {};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      auto n = ::recv(fd, buf, sizeof buf - 1, 0);
      ok = n >= 5 && std::string_view(buf, 5) == "+PONG";
    }
  }
  ::close(fd);
  return ok;
}

RedisProcess::RedisProcess() {
  port_ = free_tcp_port();
  start();
}

RedisProcess::~RedisProcess() { stop(); }

std::string RedisProcess::url(int db) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

void RedisProcess::stop() {
  if (child_) child_->kill_and_reap();
  child_.reset();
}

void RedisProcess::start() {
  if (child_) return;
  const std::string program = find_program("redis-server");
  if (program.empty()) throw std::runtime_error(redis_unavailable_reason());
  SpawnOptions o;
  o.argv = {
      program, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly",
      "no",    "--dir",  dir_.path().string()};
  o.env = clean_environment();
  o.stdout_path = dir_.file("redis.log");
  o.stderr_path = dir_.file("redis.err");
  child_ = std::make_unique<ChildProcess>(o);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!redis_answers(port_, std::chrono::milliseconds(200))) {
    if (!child_->running() || std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                               ": " + read_file(dir_.file("redis.log")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace crema::test
