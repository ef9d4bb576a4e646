// Black-box test of SPEC §13: when PostgreSQL goes away /ready turns 503 naming the database,
// /health stays 200, and once it returns the same process is ready again within 10 s.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "support/scratch_dir.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// A private PostgreSQL cluster driven by scripts/pg-cluster.sh; always stopped at the end.
class PrivateCluster {
 public:
  PrivateCluster(std::string script, std::uint16_t port)
      : script_(std::move(script)), dir_("crema-pg-outage-"), port_(port) {
    // As root the script runs PostgreSQL as `postgres`, which must be able to traverse here.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                  std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
  }
  ~PrivateCluster() {
    if (started_) stop();
  }
  /// Starts it; returns the admin URL (last line of the script's stdout).
  RunResult start() {
    auto r = run_process({"/bin/bash", script_, "start", data_dir(), std::to_string(port_)},
                         clean_environment(), {}, 60s);
    if (r.exit_code == 0) {
      started_ = true;
      auto lines = r.out_lines();
      if (!lines.empty()) url_ = lines.back();
    }
    return r;
  }
  RunResult stop() {
    auto r = run_process({"/bin/bash", script_, "stop", data_dir()}, clean_environment(), {}, 60s);
    started_ = false;
    return r;
  }
  std::string data_dir() const { return dir_.file("cluster"); }
  const std::string& admin_url() const { return url_; }

 private:
  std::string script_;
  ScratchDir dir_;
  std::uint16_t port_;
  bool started_ = false;
  std::string url_;
};

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n" + r.out + "\n" + r.err;
}

// Polls /ready until it has `status`; the last response.
HttpResponse wait_ready_status(HttpClient& client, int status, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  HttpResponse last;
  while (true) {
    try {
      last = client.get("/ready");
      if (last.status == status) return last;
    } catch (const std::exception& e) {
      last = HttpResponse{};
      last.body = e.what();
    }
    if (Clock::now() >= deadline) return last;
    std::this_thread::sleep_for(200ms);
  }
}

TEST(DatabaseOutage, ReadyFollowsPostgresAndRecoversWithoutRestart) {
  if (!store_is_postgres()) GTEST_SKIP() << "PostgreSQL only (CREMA_TEST_STORE is not postgres)";
  CREMA_E2E_REQUIRE_STORE();
  const char* scripts = std::getenv("CREMA_TEST_SCRIPTS_DIR");
  if (!scripts || !*scripts) {
    const char* req = std::getenv("CREMA_TEST_REQUIRE_PG");
    if (req && std::string_view(req) == "1") FAIL() << "CREMA_TEST_SCRIPTS_DIR is not set";
    GTEST_SKIP() << "CREMA_TEST_SCRIPTS_DIR is not set (where scripts/pg-cluster.sh lives)";
  }
  PrivateCluster cluster(std::string(scripts) + "/pg-cluster.sh", free_tcp_port());
  auto started = cluster.start();
  ASSERT_EQ(started.exit_code, 0) << describe(started);
  ASSERT_EQ(cluster.admin_url().rfind("postgres", 0), 0u)
      << "no admin URL printed: " << describe(started);

  // The server's database on the private cluster (the admin URL's database itself).
  ServerOptions o;
  o.database_url = cluster.admin_url();
  ServerProcess server(std::move(o));
  auto client = client_for(server);
  client->set_timeout(5s);
  auto ready = client->get("/ready");
  ASSERT_EQ(ready.status, 200) << ready.describe();

  auto stopped = cluster.stop();
  ASSERT_EQ(stopped.exit_code, 0) << describe(stopped);
  auto down = wait_ready_status(*client, 503, 8s);
  EXPECT_EQ(down.status, 503) << down.describe();
  ASSERT_TRUE(down.json) << down.describe();
  EXPECT_NE(json_string(*down.json, {"checks", "database"}), "ok") << down.describe();
  EXPECT_NE(json_string(*down.json, {"checks", "database"}), "")
      << "the database check is not named: " << down.describe();
  auto health = client->get("/health");
  EXPECT_EQ(health.status, 200) << health.describe();
  EXPECT_TRUE(server.running());

  auto restarted = cluster.start();
  ASSERT_EQ(restarted.exit_code, 0) << describe(restarted);
  const auto back_at = Clock::now();
  auto up = wait_ready_status(*client, 200, 10s);
  EXPECT_EQ(up.status, 200) << "not ready 10 s after PostgreSQL returned: " << up.describe();
  EXPECT_LE(Clock::now() - back_at, 10s);
  EXPECT_TRUE(server.running()) << "the process restarted or died: " << server.stderr_text();
  EXPECT_EQ(server.stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace crema::test::e2e
