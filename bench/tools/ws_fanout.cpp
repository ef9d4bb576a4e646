// WebSocket fan-out load client for bench/ws_fanout.sh (never run by ctest).
//
// Connects N WebSocket clients to a running crema (GET /ws?token=…), waits for every
// hello, then E times: places an order with POST /api/v1/orders (which publishes
// `order_created` after its commit; --event order_created, the default) or changes a
// product's availability with PUT /api/v1/menu/items/{id}/stock (`menu_updated`; --event
// menu_updated), and measures, for every client, the time from just before that request
// was sent to the moment the client had the frame. That span contains the request's own handling
// and the commit, so it is an upper bound of "commit to frame". Prints one summary, then a `RESULT
// key=value …` line for the script.
//
// One thread, epoll, plain sockets: no Beast, so it compiles in seconds; it answers the
// server's pings, so runs may last longer than the 30 s ping interval.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token;
  std::string product;
  std::string path = "/ws";
  int clients = 1000;
  int events = 20;
  int parallel = 256;  // handshakes in flight at once
  int gap_ms = 200;    // pause between events
  int timeout_ms = 10000;
  int server_pid = 0;                   // for its resident memory
  std::string event = "order_created";  // or menu_updated
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ws_fanout: %s\n", what.c_str());
  std::exit(1);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + std::string(a));
      return argv[++i];
    };
    if (a == "--host") o.host = value();
    else if (a == "--port") o.port = std::atoi(value().c_str());
    else if (a == "--token") o.token = value();
    else if (a == "--product") o.product = value();
    else if (a == "--path") o.path = value();
    else if (a == "--clients") o.clients = std::atoi(value().c_str());
    else if (a == "--events") o.events = std::atoi(value().c_str());
    else if (a == "--parallel") o.parallel = std::atoi(value().c_str());
    else if (a == "--gap-ms") o.gap_ms = std::atoi(value().c_str());
    else if (a == "--timeout-ms") o.timeout_ms = std::atoi(value().c_str());
    else if (a == "--server-pid") o.server_pid = std::atoi(value().c_str());
    else if (a == "--event") o.event = value();
    else die("unknown argument " + std::string(a));
  }
  if (o.event != "order_created" && o.event != "menu_updated")
    die("--event is order_created or menu_updated");
  if (o.port <= 0 || o.token.empty() || o.product.empty() || o.clients <= 0 || o.events <= 0)
    die("usage: ws_fanout --port P --token T --product ID [--clients N] [--events E] "
        "[--parallel K] [--gap-ms G] [--timeout-ms T] [--server-pid PID] [--host H] [--path /ws] "
        "[--event order_created|menu_updated]");
  return o;
}

long resident_kib(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

sockaddr_in address_of(const Options& o) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) die("bad host " + o.host);
  return addr;
}

enum class State { idle, connecting, handshaking, open, failed };

struct Client {
  int fd = -1;
  State state = State::idle;
  bool hello = false;
  std::string in;
  int frames = 0;                         // menu_updated frames seen
  std::vector<std::int64_t> received_ns;  // per event: when its frame arrived
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ::usleep(100);  // rare: a pong into a full socket buffer
      continue;
    }
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// A masked client frame (RFC 6455 §5.3); payloads here are tiny (pongs).
std::string client_frame(std::uint8_t opcode, std::string_view payload) {
  static std::mt19937 rng(std::random_device{}());
  std::string f;
  f += static_cast<char>(0x80 | opcode);
  f += static_cast<char>(0x80 | std::min<std::size_t>(payload.size(), 125));
  std::uint8_t key[4];
  for (auto& k : key) k = static_cast<std::uint8_t>(rng());
  f.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size() && i < 125; ++i)
    f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

class Fanout {
 public:
  explicit Fanout(Options o) : o_(std::move(o)), addr_(address_of(o_)), clients_(o_.clients) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1 failed");
    request_ = "GET " + o_.path + "?token=" + o_.token + " HTTP/1.1\r\nHost: " + o_.host +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    for (auto& c : clients_) c.received_ns.assign(static_cast<std::size_t>(o_.events), -1);
  }

  // Connects everyone, `parallel` handshakes at a time. Returns clients with their hello.
  int connect_all() {
    std::size_t next = 0;
    int in_flight = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    for (;;) {
      while (next < clients_.size() && in_flight < o_.parallel) {
        start_connect(next++);
        ++in_flight;
      }
      in_flight = 0;
      int ready = 0;
      for (const auto& c : clients_) {
        if (c.state == State::connecting || c.state == State::handshaking ||
            (c.state == State::open && !c.hello))
          ++in_flight;
        if (c.state == State::open && c.hello) ++ready;
      }
      if (next == clients_.size() && in_flight == 0) return ready;
      if (Clock::now() > deadline) return ready;
      pump(50);
    }
  }

  // Waits until every open client has seen `n` menu_updated frames (or the timeout).
  bool wait_frames(int n, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      bool all = true;
      for (const auto& c : clients_)
        if (c.state == State::open && c.frames < n) all = false;
      if (all) return true;
      if (Clock::now() > deadline) return false;
      pump(20);
    }
  }

  void pump(int timeout_ms) {
    epoll_event evs[512];
    const int n = ::epoll_wait(ep_, evs, 512, timeout_ms);
    for (int i = 0; i < n; ++i) handle(evs[i].data.u32, evs[i].events);
  }

  int open_clients() const {
    int n = 0;
    for (const auto& c : clients_) n += c.state == State::open ? 1 : 0;
    return n;
  }
  int failed_clients() const {
    int n = 0;
    for (const auto& c : clients_) n += c.state == State::failed ? 1 : 0;
    return n;
  }
  const std::vector<Client>& clients() const { return clients_; }
  void set_event(int e) { event_ = e; }

 private:
  void start_connect(std::size_t i) {
    auto& c = clients_[i];
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die(std::string("socket: ") + std::strerror(errno) + " (raise ulimit -n)");
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_);
    if (rc != 0 && errno != EINPROGRESS) {
      fail(i);
      return;
    }
    c.state = State::connecting;
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void fail(std::size_t i) {
    auto& c = clients_[i];
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.state = State::failed;
  }

  void handle(std::uint32_t i, std::uint32_t events) {
    auto& c = clients_[i];
    if (c.state == State::connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || !send_all(c.fd, request_)) return fail(i);
      c.state = State::handshaking;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = i;
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      return;
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    char buf[16384];
    for (;;) {
      const auto n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      return fail(i);  // closed or reset
    }
    const std::int64_t t = now_ns();
    if (c.state == State::handshaking) {
      const auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
        std::fprintf(stderr, "ws_fanout: upgrade refused: %.*s\n",
                     static_cast<int>(std::min<std::size_t>(c.in.size(), 200)), c.in.data());
        return fail(i);
      }
      c.in.erase(0, end + 4);
      c.state = State::open;
    }
    frames(i, t);
  }

  void frames(std::uint32_t i, std::int64_t t) {
    auto& c = clients_[i];
    std::size_t pos = 0;
    for (;;) {
      if (c.in.size() - pos < 2) break;
      const auto b0 = static_cast<std::uint8_t>(c.in[pos]);
      const auto b1 = static_cast<std::uint8_t>(c.in[pos + 1]);
      std::size_t header = 2;
      std::uint64_t len = b1 & 0x7f;
      if (len == 126) {
        if (c.in.size() - pos < 4) break;
        len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(c.in[pos + 2])) << 8) |
              static_cast<std::uint8_t>(c.in[pos + 3]);
        header = 4;
      } else if (len == 127) {
        if (c.in.size() - pos < 10) break;
        len = 0;
        for (int k = 0; k < 8; ++k)
          len = (len << 8) | static_cast<std::uint8_t>(c.in[pos + 2 + static_cast<std::size_t>(k)]);
        header = 10;
      }
      if (c.in.size() - pos - header < len) break;
      std::string_view payload(c.in.data() + pos + header, static_cast<std::size_t>(len));
      const std::uint8_t opcode = b0 & 0x0f;
      if (opcode == 0x1) {
        if (payload.find("\"type\":\"hello\"") != std::string_view::npos) {
          c.hello = true;
        } else if (payload.find(frame_type_) != std::string_view::npos) {
          if (c.frames < o_.events) c.received_ns[static_cast<std::size_t>(c.frames)] = t;
          ++c.frames;
        }
      } else if (opcode == 0x9) {
        send_all(c.fd, client_frame(0xA, payload));
      } else if (opcode == 0x8) {
        send_all(c.fd, client_frame(0x8, payload.substr(0, std::min<std::size_t>(2, len))));
        fail(i);
        return;
      }
      pos += header + static_cast<std::size_t>(len);
    }
    c.in.erase(0, pos);
  }

  Options o_;
  std::string frame_type_ = "\"type\":\"" + o_.event + "\"";
  sockaddr_in addr_;
  std::vector<Client> clients_;
  int ep_ = -1;
  int event_ = 0;
  std::string request_;
};

// One keep-alive HTTP connection for the stock changes.
class Http {
 public:
  explicit Http(const Options& o) : o_(o) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto addr = address_of(o);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      die("cannot connect for HTTP");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Http() { ::close(fd_); }

  /// The event's request: an order, or a stock switch. Returns the status.
  int trigger(int e) {
    if (o_.event == "order_created") {
      return call(
          "POST", "/api/v1/orders",
          R"({"type":"takeaway","items":[{"product_id":")" + o_.product + R"(","quantity":1}]})");
    }
    return call("PUT", "/api/v1/menu/items/" + o_.product + "/stock",
                e % 2 == 1 ? R"({"in_stock": true})" : R"({"in_stock": false})");
  }

  int call(const std::string& method, const std::string& path, const std::string& body) {
    const std::string req =
        method + " " + path + " HTTP/1.1\r\nHost: " + o_.host + "\r\nAuthorization: Bearer " +
        o_.token +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    if (!send_all(fd_, req)) die("HTTP send failed");
    std::string in;
    char buf[8192];
    for (;;) {
      const auto end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto cl = in.find("Content-Length: ");
        const std::size_t length =
            cl == std::string::npos ? 0 : std::strtoul(in.c_str() + cl + 16, nullptr, 10);
        if (in.size() >= end + 4 + length) return std::atoi(in.c_str() + 9);
      }
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) die("HTTP connection closed");
      in.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  const Options& o_;
  int fd_ = -1;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < static_cast<rlim_t>(o.clients) + 64)
    die("ulimit -n is " + std::to_string(rl.rlim_cur) + ": too low for " +
        std::to_string(o.clients) + " clients");

  const long rss_before = resident_kib(o.server_pid);
  Fanout fan(o);
  const auto t0 = Clock::now();
  const int ready = fan.connect_all();
  const double connect_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rss_connected = resident_kib(o.server_pid);
  std::printf(
      "connected %d/%d clients with hello in %.2f s (%d failed); server RSS %ld MiB "
      "(%ld MiB before)\n",
      ready, o.clients, connect_s, fan.failed_clients(), rss_connected / 1024, rss_before / 1024);
  if (ready == 0) die("no client connected");

  Http http(o);
  std::vector<std::int64_t> sent_ns(static_cast<std::size_t>(o.events));
  std::vector<double> answer_ms;
  int incomplete = 0;
  long rss_peak = rss_connected;
  for (int e = 0; e < o.events; ++e) {
    fan.set_event(e);
    sent_ns[static_cast<std::size_t>(e)] = now_ns();
    const int status = http.trigger(e);
    answer_ms.push_back(static_cast<double>(now_ns() - sent_ns[static_cast<std::size_t>(e)]) / 1e6);
    if (status != 200 && status != 201)
      die("the " + o.event + " request answered " + std::to_string(status));
    if (!fan.wait_frames(e + 1, std::chrono::milliseconds(o.timeout_ms))) ++incomplete;
    rss_peak = std::max(rss_peak, resident_kib(o.server_pid));
    const auto pause_until = Clock::now() + std::chrono::milliseconds(o.gap_ms);
    while (Clock::now() < pause_until) fan.pump(10);
  }

  std::vector<double> lat_ms;
  std::vector<double> last_ms;  // per event: when the last client had it
  int missing = 0;
  for (int e = 0; e < o.events; ++e) {
    double last = 0;
    for (const auto& c : fan.clients()) {
      if (c.state != State::open && c.received_ns[static_cast<std::size_t>(e)] < 0) continue;
      const auto r = c.received_ns[static_cast<std::size_t>(e)];
      if (r < 0) {
        ++missing;
        continue;
      }
      const double ms = static_cast<double>(r - sent_ns[static_cast<std::size_t>(e)]) / 1e6;
      lat_ms.push_back(ms);
      last = std::max(last, ms);
    }
    last_ms.push_back(last);
  }
  const double p50 = percentile(lat_ms, 50), p90 = percentile(lat_ms, 90),
               p99 = percentile(lat_ms, 99), max = percentile(lat_ms, 100);
  const double last_p50 = percentile(last_ms, 50), ans_p50 = percentile(answer_ms, 50);
  std::printf("%d events x %d clients: %zu frames timed, %d missing, %d events incomplete\n",
              o.events, ready, lat_ms.size(), missing, incomplete);
  std::printf("request sent -> frame received (ms): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", p50,
              p90, p99, max);
  std::printf(
      "per event, the last client (median over events): %.2f ms; the request's own "
      "answer (median): %.2f ms\n",
      last_p50, ans_p50);
  std::printf("server RSS peak during the events: %ld MiB; clients still open: %d\n",
              rss_peak / 1024, fan.open_clients());
  std::printf(
      "RESULT clients=%d ready=%d events=%d frames=%zu missing=%d p50_ms=%.2f "
      "p90_ms=%.2f p99_ms=%.2f max_ms=%.2f last_p50_ms=%.2f answer_p50_ms=%.2f "
      "connect_s=%.2f rss_connected_mib=%ld rss_peak_mib=%ld\n",
      o.clients, ready, o.events, lat_ms.size(), missing, p50, p90, p99, max, last_p50, ans_p50,
      connect_s, rss_connected / 1024, rss_peak / 1024);
  return missing == 0 && incomplete == 0 ? 0 : 3;
}
