// Scale-out under failure (issue 11, SPEC §13): two `crema serve` instances on one PostgreSQL
// and one Redis behind nginx round-robin, under order load, and one instance killed (SIGKILL)
// mid-run. Clients retry a failed POST with the same Idempotency-Key, as a till does. Then:
// no acknowledged order is lost, none is doubled, the stock moved by exactly the orders, and
// a WebSocket client on the survivor saw order_created for every order the survivor placed
// and for every order placed before the kill.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/child_process.hpp"
#include "support/test_db.hpp"
#include "support/ws_client.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string nginx_binary() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx"})
    if (::access(p, X_OK) == 0) return p;
  return find_program("nginx");
}

struct Placed {
  std::string id;
  bool replayed = false;  // answered from the idempotency record (the first try's answer was lost)
  std::chrono::steady_clock::time_point acked_at;
};

TEST(ScaleOut, TwoInstancesBehindAProxySurviveOneBeingKilledMidLoad) {
  CREMA_E2E_REQUIRE_STORE();
  if (!store_is_postgres())
    GTEST_SKIP() << "several instances need PostgreSQL: runs in e2e_postgres";
  const char* redis = std::getenv("CREMA_TEST_REDIS_URL");
  const std::string nginx = nginx_binary();
  if (!redis || !*redis || nginx.empty()) {
    const std::string why = "needs CREMA_TEST_REDIS_URL and nginx (scripts/deps.sh test)";
    if (::crema::test::postgres_required()) FAIL() << why;
    GTEST_SKIP() << why;
  }

  auto db = fresh_database();
  const EnvOverrides env = {{"CREMA_REDIS_URL", std::string(redis)},
                            {"CREMA_USER_RATE_PER_MIN", "0"},
                            {"CREMA_AUTH_RATE_PER_MIN", "0"}};
  auto options = identity_server(env);
  options.database_url = db->url();
  auto a = std::make_unique<ServerProcess>(options);
  ServerProcess b(options);

  ScratchDir dir("crema-e2e-scale-");
  const int proxy_port = free_port();
  {
    std::ofstream conf(dir.file("nginx.conf"));
    const std::string d = dir.path().string();
    conf << "worker_processes 1;\ndaemon off;\npid " << d << "/nginx.pid;\nerror_log " << d
         << "/error.log;\nevents { worker_connections 512; }\nhttp {\n  access_log off;\n"
         << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/proxy;\n"
         << "  fastcgi_temp_path " << d << "/fcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n"
         << "  scgi_temp_path " << d << "/scgi;\n"
         << "  upstream crema {\n    server 127.0.0.1:" << a->port()
         << " max_fails=1 fail_timeout=30s;\n    server 127.0.0.1:" << b.port()
         << " max_fails=1 fail_timeout=30s;\n  }\n"
         << "  server {\n    listen 127.0.0.1:" << proxy_port << ";\n"
         << "    location / {\n      proxy_pass http://crema;\n      proxy_http_version 1.1;\n"
         << "      proxy_set_header Connection \"\";\n      proxy_connect_timeout 1s;\n"
         << "      proxy_next_upstream error timeout;\n    }\n  }\n}\n";
  }
  ChildProcess proxy({.argv = {nginx, "-p", dir.path().string(), "-c", dir.file("nginx.conf")},
                      .env = clean_environment(),
                      .stdout_path = dir.file("nginx.out"),
                      .stderr_path = dir.file("nginx.err")});
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy_port);
  bool proxy_up = false;
  for (int i = 0; i < 100 && !proxy_up; ++i) {
    try {
      proxy_up = HttpClient(proxy_url).get("/health").status == 200;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(50ms);
    }
  }
  ASSERT_TRUE(proxy_up) << read_file(dir.file("nginx.err")) << read_file(dir.file("error.log"));

  AuthHelper auth(b);
  auto admin = client_for(b);
  auto product =
      post_json(*admin, "/api/v1/products",
                {{"name", "Scale croissant"}, {"category", "Scale"}, {"price", 3}, {"stock", 1000}},
                auth.bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string pid(product.object().at("id").as_string());
  const std::string staff = auth.token("staff");

  // A kitchen screen on the instance that survives.
  WsOptions ws_options;
  ws_options.token = staff;
  WsClient kitchen(b.host(), b.port(), ws_options);
  ASSERT_TRUE(kitchen.upgraded());
  ASSERT_TRUE(kitchen.read_type("hello"));

  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;
  std::mutex mutex;
  std::vector<Placed> placed;
  std::vector<std::string> failures;
  std::atomic<int> acknowledged{0};
  std::atomic<int> acked_before_kill{-1};
  std::atomic<int> retries{0};
  auto till = [&](int t) {
    HttpClient client(proxy_url);
    // The proxy answers 502/504 itself while an instance dies: not Crema's answers, so not
    // checked against its document (the other e2e tests check POST /orders' answers).
    client.set_recorded(false);
    for (int i = 0; i < kPerThread; ++i) {
      const std::string key = "scale-" + std::to_string(t) + "-" + std::to_string(i);
      const std::string body = json::serialize(
          json::object{{"type", "takeaway"},
                       {"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}}});
      bool done = false;
      for (int attempt = 0; attempt < 40 && !done; ++attempt) {
        try {
          auto res = client.request("POST", "/api/v1/orders", body,
                                    {{"Authorization", "Bearer " + staff},
                                     {"Idempotency-Key", key},
                                     {"Content-Type", "application/json"}});
          if (res.status == 201) {
            std::lock_guard lock(mutex);
            placed.push_back({std::string(res.object().at("id").as_string()),
                              res.header("Idempotent-Replayed") == "true",
                              std::chrono::steady_clock::now()});
            ++acknowledged;
            done = true;
          } else if (res.status != 502 && res.status != 503 && res.status != 504 &&
                     res.status != 409) {
            std::lock_guard lock(mutex);
            failures.push_back(std::to_string(res.status) + " " + res.body);
            done = true;
          }
        } catch (const std::exception&) {
          // The connection died with the instance: retry with the same key.
        }
        if (!done) {
          ++retries;
          std::this_thread::sleep_for(100ms);
        }
      }
      if (!done) {
        std::lock_guard lock(mutex);
        failures.push_back("order " + key + " never acknowledged");
      }
    }
  };
  std::vector<std::thread> tills;
  for (int t = 0; t < kThreads; ++t) tills.emplace_back(till, t);
  // Kill one instance once a third of the orders went through.
  while (acknowledged.load() < kThreads * kPerThread / 3) std::this_thread::sleep_for(5ms);
  acked_before_kill = acknowledged.load();
  const auto killed_at = std::chrono::steady_clock::now();
  a->kill9();
  for (auto& t : tills) t.join();
  proxy.kill_and_reap();

  ASSERT_TRUE(failures.empty()) << failures.front();
  ASSERT_EQ(placed.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> ids;
  for (const auto& p : placed) ids.insert(p.id);
  EXPECT_EQ(ids.size(), placed.size()) << "an order was acknowledged twice under two ids";
  EXPECT_GT(acked_before_kill.load(), 0);
  int replays = 0;
  for (const auto& p : placed) replays += p.replayed ? 1 : 0;
  RecordProperty("retries", retries.load());
  RecordProperty("replays", replays);
  std::printf("scale-out: %d acknowledged before the kill, %d retries, %d replays\n",
              acked_before_kill.load(), retries.load(), replays);

  // Every acknowledged order is in the database (read through the survivor), and nothing else.
  auto reader = client_for(b);
  for (const auto& id : ids) {
    auto got = reader->get("/api/v1/orders/" + id, auth.bearer("staff"));
    EXPECT_EQ(got.status, 200) << "acknowledged order " << id << " is lost";
  }
  auto all = reader->get("/api/v1/orders?limit=100", auth.bearer("manager"));
  ASSERT_EQ(all.status, 200) << all.describe();
  std::size_t listed = all.object().at("items").as_array().size();
  EXPECT_EQ(listed, ids.size()) << "an order exists that no till had acknowledged";
  // The stock moved by exactly the acknowledged orders: each holds one unit.
  auto stock = reader->get("/api/v1/inventory/" + pid, auth.bearer("manager"));
  ASSERT_EQ(stock.status, 200) << stock.describe();
  EXPECT_EQ(stock.object().at("reserved").to_number<double>(), static_cast<double>(ids.size()))
      << stock.body;
  EXPECT_EQ(stock.object().at("available").to_number<double>(),
            1000.0 - static_cast<double>(ids.size()))
      << stock.body;

  // The survivor's kitchen screen heard every order except those whose first try committed
  // on the killed instance after its event was lost with it (answered later as a replay).
  std::set<std::string> heard;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (heard.size() < ids.size() && std::chrono::steady_clock::now() < deadline) {
    try {
      auto e = kitchen.read_type("order_created", 2s);
      if (!e) break;  // closed
      heard.insert(std::string(e->at("data").at("id").as_string()));
    } catch (const std::exception&) {
      break;  // nothing more within 2 s
    }
  }
  // Also excused: an order the killed instance answered just before the kill, whose event
  // was still in its Redis publisher's queue (the fan-out is at most once and never holds an
  // answer back for Redis: docs/ARCHITECTURE.md, "The Redis fan-out"). At most one per till
  // can be in that window; any other miss is a failure.
  int excused = 0;
  for (const auto& p : placed) {
    if (p.replayed || heard.count(p.id)) continue;
    if (p.acked_at <= killed_at && killed_at - p.acked_at < 300ms) {
      ++excused;
      continue;
    }
    ADD_FAILURE() << "the kitchen on the survivor missed order " << p.id;
  }
  EXPECT_LE(excused, kThreads) << "more orders lost their event than were in flight at the kill";
}

}  // namespace
}  // namespace crema::test::e2e
