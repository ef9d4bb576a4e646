// Cross-instance events: two buses (two "instances") on one real Redis. A private
// redis-server is started per test so it can be killed and restarted.
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "events/bus.hpp"
#include "events/redis_fanout.hpp"
#include "support/redis_process.hpp"

namespace crema::events {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

/// Collects what a bus delivers, and waits for it.
class Inbox {
 public:
  explicit Inbox(Bus& bus) {
    bus.subscribe_frames([this](const Event& e, const Frame& f) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      frames_.push_back(*f);
      cv_.notify_all();
    });
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }
  std::vector<Event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<std::string> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::vector<std::string> frames_;
};

RedisFanoutOptions options_for(const std::string& url) {
  RedisFanoutOptions o;
  o.endpoint = *RedisEndpoint::parse(url);
  o.backoff_min = 20ms;
  o.backoff_max = 200ms;
  return o;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TEST(FanoutMessage, RoundTrip) {
  const std::string frame =
      R"({"type":"order_created","data":{"id":"o\n1"},"at":"2026-11-22T09:15:00Z"})";
  auto text = encode_fanout_message("inst-a", {"orders", "user:u1"}, frame);
  auto m = decode_fanout_message(text);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->origin, "inst-a");
  EXPECT_EQ(m->topics, (std::vector<std::string>{"orders", "user:u1"}));
  EXPECT_EQ(m->frame, frame);
  auto e = event_from_frame(m->frame, m->topics);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "order_created");
  EXPECT_EQ(e->data.at("id"), "o\n1");
  EXPECT_EQ(e->at_ms, 1795338900000);

  EXPECT_FALSE(decode_fanout_message("garbage"));
  EXPECT_FALSE(decode_fanout_message("crema1\n\n[]\n{}")) << "no origin";
  EXPECT_FALSE(decode_fanout_message("crema1\nx\n{}\n{}")) << "topics not a list";
  EXPECT_FALSE(event_from_frame("[1]", {}));
  EXPECT_FALSE(event_from_frame(R"({"data":1})", {}));
}

TEST(RedisFanout, AnEventPublishedOnOneInstanceReachesTheOtherOnce) {
  CREMA_REQUIRE_REDIS();
  test::RedisProcess redis;
  Bus bus_a, bus_b;
  Inbox inbox_a(bus_a), inbox_b(bus_b);
  RedisFanout fan_a(bus_a, options_for(redis.url()));
  RedisFanout fan_b(bus_b, options_for(redis.url()));
  EXPECT_NE(fan_a.origin(), fan_b.origin());
  fan_a.start();
  fan_b.start();
  ASSERT_TRUE(wait_until([&] { return fan_a.subscribed() && fan_b.subscribed(); }));

  bus_a.publish("order_created", json::object{{"id", "o1"}, {"total", 12.5}},
                {"orders", "order:o1", "user:u1"});
  ASSERT_TRUE(inbox_b.wait_for(1));
  auto got = inbox_b.events();
  EXPECT_EQ(got[0].type, "order_created");
  EXPECT_EQ(got[0].data.at("id"), "o1");
  EXPECT_EQ(got[0].topics, (std::vector<std::string>{"orders", "order:o1", "user:u1"}));
  EXPECT_TRUE(got[0].remote);
  EXPECT_EQ(inbox_b.frames()[0], inbox_a.frames()[0])
      << "the frame travels as serialised by the publisher";

  // Give A's own message time to come back from Redis: A must not deliver it twice.
  bus_b.publish("menu_updated", json::object{{"product_ids", json::array{"p"}}});
  ASSERT_TRUE(inbox_a.wait_for(2));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(inbox_a.events().size(), 2u);
  EXPECT_EQ(inbox_b.events().size(), 2u);
  EXPECT_FALSE(inbox_a.events()[0].remote);
  EXPECT_TRUE(inbox_a.events()[1].remote);
  EXPECT_GE(fan_a.published(), 1u);
  EXPECT_EQ(fan_b.received(), 1u);
}

TEST(RedisFanout, InstancesOnAnotherRedisDatabaseStayApart) {
  CREMA_REQUIRE_REDIS();
  test::RedisProcess redis;
  Bus bus_a, bus_b;
  Inbox inbox_b(bus_b);
  RedisFanout fan_a(bus_a, options_for(redis.url(1)));
  RedisFanout fan_b(bus_b, options_for(redis.url(2)));
  EXPECT_NE(fan_a.channel(), fan_b.channel());
  fan_a.start();
  fan_b.start();
  ASSERT_TRUE(wait_until([&] { return fan_a.subscribed() && fan_b.subscribed(); }));
  bus_a.publish("menu_updated", json::object{});
  EXPECT_FALSE(inbox_b.wait_for(1, 500ms));
}

TEST(RedisFanout, ReconnectsAfterRedisRestartsAndSendsWhatWasQueued) {
  CREMA_REQUIRE_REDIS();
  test::RedisProcess redis;
  Bus bus_a, bus_b;
  Inbox inbox_b(bus_b);
  std::atomic<int> downs{0}, ups{0};
  RedisFanout fan_a(bus_a, options_for(redis.url()));
  RedisFanout fan_b(bus_b, options_for(redis.url()));
  fan_b.on_link_change([&](bool up) { ++(up ? ups : downs); });
  fan_a.start();
  fan_b.start();
  ASSERT_TRUE(wait_until([&] { return fan_a.subscribed() && fan_b.subscribed(); }));
  EXPECT_EQ(ups.load(), 1);

  redis.stop();
  ASSERT_TRUE(wait_until([&] { return !fan_b.subscribed(); })) << "the loss is noticed";
  EXPECT_EQ(downs.load(), 1);
  // Published while Redis is away: publishing never blocks, the message waits in the queue.
  const auto t0 = std::chrono::steady_clock::now();
  bus_a.publish("menu_updated", json::object{{"product_ids", json::array{"while-down"}}});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 50ms);

  EXPECT_EQ(fan_a.published(), 0u);

  redis.start();
  ASSERT_TRUE(wait_until([&] { return fan_a.subscribed() && fan_b.subscribed(); }, 10s));
  EXPECT_EQ(ups.load(), 2);
  EXPECT_TRUE(wait_until([&] { return fan_a.published() >= 1; }))
      << "the message queued while Redis was away goes out once it is back";
  // B was not subscribed when the queued message may have gone out; what is published
  // from now on arrives.
  bus_a.publish("menu_updated", json::object{{"product_ids", json::array{"after"}}});
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& e : inbox_b.events())
          if (e.data.at("product_ids").at(0) == "after") return true;
        return false;
      },
      5s));
  EXPECT_EQ(fan_a.dropped(), 0u);
}

TEST(RedisFanout, StopsPromptlyWhenRedisIsUnreachable) {
  CREMA_REQUIRE_REDIS();
  test::RedisProcess redis;
  const auto url = redis.url();
  redis.stop();
  Bus bus;
  RedisFanout fan(bus, options_for(url));
  fan.start();
  bus.publish("menu_updated", json::object{});
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(fan.subscribed());
  const auto t0 = std::chrono::steady_clock::now();
  fan.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

}  // namespace
}  // namespace crema::events
