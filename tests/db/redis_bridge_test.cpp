// The Redis bridge of the event bus against a real Redis (CREMA_TEST_REDIS_URL; skipped
// without it): events cross between two "instances", arrive marked remote, and are never
// echoed back or forwarded again.
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "events/bus.hpp"
#include "events/redis_bridge.hpp"

namespace crema::test {
namespace {

struct Recorder {
  std::mutex mutex;
  std::vector<events::Event> seen;
  void attach(events::Bus& bus) {
    bus.subscribe([this](const events::Event& e) {
      std::lock_guard lock(mutex);
      seen.push_back(e);
    });
  }
  std::vector<events::Event> snapshot() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

TEST(RedisBridge, EventsCrossInstancesOnceAndMarkedRemote) {
  const char* url = std::getenv("CREMA_TEST_REDIS_URL");
  if (!url || !*url) GTEST_SKIP() << "CREMA_TEST_REDIS_URL is not set";
  auto endpoint = events::RedisEndpoint::parse(url);
  ASSERT_TRUE(endpoint);
  // A channel of this test only, so parallel runs do not see each other.
  const std::string channel = "crema:test:" + std::to_string(::getpid());

  events::Bus bus_a, bus_b;
  Recorder seen_a, seen_b;
  seen_a.attach(bus_a);
  seen_b.attach(bus_b);
  std::atomic<int> up_a{0};
  events::RedisBridge a(*endpoint, bus_a, channel), b(*endpoint, bus_b, channel);
  a.on_state([&](bool up) { up_a += up ? 1 : 0; });
  a.start();
  b.start();
  ASSERT_TRUE(eventually([&] { return a.subscribed() && b.subscribed(); }));
  EXPECT_EQ(up_a.load(), 1);

  bus_a.publish("menu_updated", boost::json::object{{"product_ids", boost::json::array{"p1"}}});
  ASSERT_TRUE(eventually([&] { return !seen_b.snapshot().empty(); }));
  auto got = seen_b.snapshot();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type, "menu_updated");
  EXPECT_TRUE(got[0].remote);
  EXPECT_EQ(got[0].data.at("product_ids").at(0).as_string(), "p1");
  EXPECT_GT(got[0].at_ms, 0);

  // B publishes one of its own; A receives it. Nobody receives anything twice.
  bus_b.publish("inventory_low", boost::json::object{{"id", "i1"}});
  ASSERT_TRUE(eventually([&] { return seen_a.snapshot().size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto all_a = seen_a.snapshot();
  ASSERT_EQ(all_a.size(), 2u);  // its own local event and B's remote one
  EXPECT_FALSE(all_a[0].remote);
  EXPECT_TRUE(all_a[1].remote);
  EXPECT_EQ(all_a[1].type, "inventory_low");
  EXPECT_EQ(seen_b.snapshot().size(), 2u);
  EXPECT_EQ(a.dropped(), 0u);
}

TEST(RedisBridge, UnreachableRedisNeverBlocksPublishers) {
  // A port nothing listens on: publishing stays instant, the state stays down.
  events::RedisEndpoint nowhere;
  nowhere.port = 1;
  events::Bus bus;
  events::RedisBridge bridge(nowhere, bus, "crema:test:nowhere");
  bridge.start();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) bus.publish("menu_updated", boost::json::object{});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(bridge.subscribed());
  bridge.stop();
}

}  // namespace
}  // namespace crema::test
