// kill -9 under order load (SPEC §14 "no lost acknowledged order after kill -9"; issue 10):
// four tills place orders as fast as they can, the server is killed with SIGKILL mid-load,
// and a new server on the same database shows that
//   * every order that was answered 201 is there (an order whose answer was lost in the
//     crash may be there too: it committed, the client just never heard),
//   * the stock adds up: the product's reservation equals the orders that exist, and each
//     of them has exactly one reservation row in the inventory log,
//   * the outbox resumes: the partner webhook receives an order_created for every order that
//     exists, including those whose delivery the crash interrupted.
// Runs on both stores (SQLite's WAL and PostgreSQL's commit both survive a process crash).

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/fake_endpoint.hpp"
#include "support/scratch_dir.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// Every order id in the store, through GET /orders pages.
std::set<std::string> all_order_ids(HttpClient& c, const RequestHeaders& auth) {
  std::set<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    auto r = c.get("/api/v1/orders?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor), auth);
    EXPECT_EQ(r.status, 200) << r.describe();
    if (r.status != 200) break;
    for (const auto& o : r.object().at("items").as_array())
      ids.insert(std::string(o.at("id").as_string()));
    const auto& next = r.object().at("next_cursor");
    if (next.is_null()) break;
    cursor = std::string(next.as_string());
  }
  return ids;
}

TEST(CrashRecovery, KillNineUnderOrderLoadLosesNoAcknowledgedOrderAndTheOutboxResumes) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  // The partner's endpoint records which orders it heard of (at least once each is the
  // outbox's promise across a crash; a delivery cut by the kill is sent again).
  std::mutex heard_mutex;
  std::set<std::string> heard;
  FakeHttpEndpoint partner([&](const RecordedRequest& r, int) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (!ec && v.is_object())
      if (auto* data = v.as_object().if_contains("data"); data && data->is_object())
        if (auto* id = data->as_object().if_contains("id"); id && id->is_string()) {
          std::lock_guard lock(heard_mutex);
          heard.insert(std::string(id->as_string()));
        }
    return FakeHttpEndpoint::Answer{200, "{}"};
  });
  auto options = identity_server({{"CREMA_USER_RATE_PER_MIN", "0"},
                                  {"CREMA_AUTH_RATE_PER_MIN", "0"},
                                  {"CREMA_OUTBOX_POLL_MS", "50"},
                                  // the partner is a fake endpoint on loopback
                                  {"CREMA_ALLOW_PRIVATE_WEBHOOKS", "1"},
                                  // the killed process's claims come back after this
                                  {"CREMA_OUTBOX_LEASE_SECONDS", "2"}});
  options.database_url = db->url();
  // The restarted server is the same installation: same data directory, so the same data
  // key opens the webhook secrets sealed before the crash.
  ScratchDir data("crema-e2e-crash-");
  options.env["CREMA_DATA_DIR"] = data.path().string();
  auto first = std::make_unique<ServerProcess>(options);

  AuthHelper auth(*first);
  auto admin_client = client_for(*first);
  auto hook = post_json(*admin_client, "/api/v1/webhooks",
                        {{"url", partner.url("/orders")}, {"events", json::array{"order_created"}}},
                        auth.admin().bearer());
  ASSERT_EQ(hook.status, 201) << hook.describe();
  auto product = post_json(
      *admin_client, "/api/v1/products",
      {{"name", "Crash croissant"}, {"category", "Crash"}, {"price", 2}, {"stock", 100000}},
      auth.bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string pid(product.object().at("id").as_string());
  const std::string staff = auth.token("staff");
  const std::string manager = auth.token("manager");

  constexpr int kTills = 4;
  std::mutex mutex;
  std::set<std::string> acknowledged;
  std::vector<std::string> unexpected;
  std::atomic<bool> stop{false};
  auto till = [&] {
    HttpClient client(first->base_url());
    const std::string body = json::serialize(
        json::object{{"type", "takeaway"},
                     {"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}}});
    while (!stop.load()) {
      try {
        auto r = client.request(
            "POST", "/api/v1/orders", body,
            {{"Authorization", "Bearer " + staff}, {"Content-Type", "application/json"}});
        std::lock_guard lock(mutex);
        if (r.status == 201) {
          acknowledged.insert(std::string(r.object().at("id").as_string()));
        } else {
          unexpected.push_back(std::to_string(r.status) + " " + r.body);
        }
      } catch (const std::exception&) {
        return;  // the server is gone
      }
    }
  };
  std::vector<std::thread> tills;
  for (int i = 0; i < kTills; ++i) tills.emplace_back(till);
  const auto until = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    std::this_thread::sleep_for(5ms);
    std::lock_guard lock(mutex);
    if (acknowledged.size() >= 60 || std::chrono::steady_clock::now() > until) break;
  }
  first->kill9();  // mid-load: requests in flight, outbox deliveries pending
  stop = true;
  for (auto& t : tills) t.join();
  ASSERT_TRUE(unexpected.empty()) << unexpected.front();
  ASSERT_GE(acknowledged.size(), 20u) << "the load never got going";

  ServerProcess second(options);  // same database, same JWT secret: the sessions still hold
  auto client = client_for(second);
  const RequestHeaders as_manager{{"Authorization", "Bearer " + manager}};

  const auto stored = all_order_ids(*client, as_manager);
  for (const auto& id : acknowledged)
    EXPECT_TRUE(stored.count(id)) << "acknowledged order " << id << " was lost in the crash";
  EXPECT_LE(stored.size(), acknowledged.size() + kTills)
      << "at most one unanswered order per till can have committed";

  // Each stored order holds one unit; nothing else holds any.
  auto stock = client->get("/api/v1/inventory/" + pid, as_manager);
  ASSERT_EQ(stock.status, 200) << stock.describe();
  EXPECT_EQ(stock.object().at("reserved").to_number<double>(), static_cast<double>(stored.size()))
      << stock.body;
  EXPECT_EQ(stock.object().at("available").to_number<double>(),
            100000.0 - static_cast<double>(stored.size()))
      << stock.body;
  std::map<std::string, int> reservations;  // order id → reserve log rows
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    auto logs = client->get("/api/v1/inventory/" + pid + "/logs?limit=200" +
                                (cursor.empty() ? "" : "&cursor=" + cursor),
                            as_manager);
    ASSERT_EQ(logs.status, 200) << logs.describe();
    for (const auto& l : logs.object().at("items").as_array()) {
      const auto& o = l.as_object();
      if (o.at("kind") == "reserve" && o.at("order_id").is_string())
        ++reservations[std::string(o.at("order_id").as_string())];
    }
    const auto& next = logs.object().at("next_cursor");
    if (next.is_null()) break;
    cursor = std::string(next.as_string());
  }
  EXPECT_EQ(reservations.size(), stored.size());
  for (const auto& id : stored) EXPECT_EQ(reservations[id], 1) << "order " << id;

  // The outbox picks up where the killed process left off (claims it held expire).
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::set<std::string> missing;
  for (;;) {
    missing.clear();
    {
      std::lock_guard lock(heard_mutex);
      for (const auto& id : stored)
        if (!heard.count(id)) missing.insert(id);
    }
    if (missing.empty() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(100ms);
  }
  if (!missing.empty()) {
    const std::string hook_id(hook.object().at("id").as_string());
    auto log =
        client->get("/api/v1/webhooks/" + hook_id + "/deliveries?limit=5", auth.admin().bearer());
    ADD_FAILURE() << missing.size() << " of " << stored.size()
                  << " orders never reached the partner, e.g. " << *missing.begin()
                  << "; deliveries: " << log.body.substr(0, 2000);
  }

  // And the restarted server takes orders again.
  auto again =
      post_json(*client, "/api/v1/orders",
                {{"type", "takeaway"},
                 {"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}}},
                {{"Authorization", "Bearer " + staff}});
  EXPECT_EQ(again.status, 201) << again.describe();
}

}  // namespace
}  // namespace crema::test::e2e
