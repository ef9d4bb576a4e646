// The in-process event bus: frames serialised once and shared, subscribers in order, a
// failing subscriber isolated, default topics, PendingEvents published only when asked.
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "events/bus.hpp"
#include "events/pending_events.hpp"
#include "util/time.hpp"

namespace crema::events {
namespace {

namespace json = boost::json;

TEST(EventFrame, HasTypeDataAndAnRfc3339Time) {
  Event e{"menu_updated",
          json::object{{"product_ids", json::array{"a", "b"}}, {"price", 9.5}},
          {"menu"},
          1795338900123,
          false};
  auto frame = make_frame(e);
  auto v = json::parse(*frame).as_object();
  EXPECT_EQ(v.at("type"), "menu_updated");
  EXPECT_EQ(v.at("data").at("product_ids"), (json::array{"a", "b"}));
  EXPECT_EQ(v.at("at"), "2026-11-22T09:15:00Z");
  EXPECT_NE(frame->find("9.5"), std::string::npos) << "util::to_json writes plain decimals";
  EXPECT_EQ(frame->find('\n'), std::string::npos) << "one line (the Redis envelope relies on it)";
}

TEST(EventFrame, ControlFramesHaveNoTime) {
  auto frame = make_control_frame("hello", json::object{{"role", "staff"}});
  EXPECT_EQ(*frame, R"({"type":"hello","data":{"role":"staff"}})");
}

TEST(Bus, EverySubscriberGetsTheSameSharedFrameInOrder) {
  Bus bus;
  std::vector<std::string> seen;
  std::vector<const std::string*> frames;
  bus.subscribe([&](const Event& e) { seen.push_back("plain:" + e.type); });
  bus.subscribe_frames([&](const Event& e, const Frame& f) {
    seen.push_back("framed1:" + e.type);
    frames.push_back(f.get());
  });
  bus.subscribe_frames([&](const Event&, const Frame& f) { frames.push_back(f.get()); });
  bus.publish("order_created", json::object{{"id", "o1"}}, {"orders", "order:o1"});
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], frames[1]) << "serialised once, shared by every subscriber";
  EXPECT_EQ(seen, (std::vector<std::string>{"plain:order_created", "framed1:order_created"}));
}

TEST(Bus, StampsTimeAndDefaultTopics) {
  Bus bus;
  std::vector<Event> got;
  bus.subscribe([&](const Event& e) { got.push_back(e); });
  const auto before = util::now_ms();
  bus.publish("menu_updated", json::object{{"product_ids", json::array{}}});
  bus.publish("inventory_low", json::object{{"id", "i1"}});
  bus.publish("order_created", json::object{});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_GE(got[0].at_ms, before);
  EXPECT_EQ(got[0].topics, std::vector<std::string>{"menu"});
  EXPECT_EQ(got[1].topics, std::vector<std::string>{"inventory"});
  EXPECT_TRUE(got[2].topics.empty()) << "no guessing for other types";
  EXPECT_FALSE(got[0].remote);
}

TEST(Bus, AThrowingSubscriberDoesNotStopTheOthers) {
  Bus bus;
  int after = 0;
  bus.subscribe([](const Event&) { throw std::runtime_error("boom"); });
  bus.subscribe([&](const Event&) { ++after; });
  bus.publish("menu_updated", json::object{});
  EXPECT_EQ(after, 1);
}

TEST(Bus, ForwardsLocalEventsButNeverRemoteOnes) {
  struct Recorder : Bus::Forwarder {
    std::vector<std::string> frames;
    void forward(const Event&, const Frame& f) override { frames.push_back(*f); }
  } recorder;
  Bus bus;
  int delivered = 0;
  bool last_remote = false;
  bus.subscribe([&](const Event& e) {
    ++delivered;
    last_remote = e.remote;
  });
  bus.set_forwarder(&recorder);
  bus.publish("menu_updated", json::object{});
  ASSERT_EQ(recorder.frames.size(), 1u);
  bus.deliver_remote(Event{"menu_updated", json::object{}, {"menu"}, 1, false},
                     make_frame(Event{"menu_updated", json::object{}, {"menu"}, 1, false}));
  EXPECT_EQ(recorder.frames.size(), 1u) << "a remote event is not sent back out";
  EXPECT_EQ(delivered, 2);
  EXPECT_TRUE(last_remote);
  bus.set_forwarder(nullptr);
  bus.publish("menu_updated", json::object{});
  EXPECT_EQ(recorder.frames.size(), 1u);
}

TEST(PendingEvents, NothingReachesTheBusUntilPublished) {
  Bus bus;
  std::vector<std::string> got;
  bus.subscribe([&](const Event& e) { got.push_back(e.type); });
  {
    PendingEvents pending;
    pending.add("order_created", json::object{{"id", "x"}}, {"orders"});
    EXPECT_EQ(pending.size(), 1u);
    // A rolled-back transaction: the list is dropped.
  }
  EXPECT_TRUE(got.empty());
  PendingEvents pending;
  pending.add("order_created", json::object{{"id", "y"}}, {"orders"});
  pending.add("inventory_low", json::object{{"id", "i"}});
  EXPECT_GT(pending.events()[0].at_ms, 0) << "stamped when the change happened";
  bus.publish(std::move(pending));
  EXPECT_EQ(got, (std::vector<std::string>{"order_created", "inventory_low"}));
}

TEST(PendingEvents, ClearForgetsARetriedTransactionsEvents) {
  PendingEvents pending;
  pending.add("order_created", json::object{}, {"orders"});
  pending.clear();
  EXPECT_TRUE(pending.empty());
}

TEST(Bus, ConcurrentPublishersAndALateSubscriber) {
  Bus bus;
  std::atomic<int> a{0};
  bus.subscribe([&](const Event&) { ++a; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) bus.publish("menu_updated", json::object{});
    });
  std::atomic<int> b{0};
  bus.subscribe([&](const Event&) { ++b; });  // while publishing: no lock held by publish
  for (auto& t : threads) t.join();
  EXPECT_EQ(a.load(), 2000);
  EXPECT_LE(b.load(), 2000);
}

}  // namespace
}  // namespace crema::events
