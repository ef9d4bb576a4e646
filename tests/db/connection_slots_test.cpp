// The slot logic both pools share, with fake connections: no database needed.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "db/connection_slots.hpp"

namespace crema::db {
namespace {

using namespace std::chrono_literals;

class FakeConnection final : public Connection {
 public:
  Dialect dialect() const noexcept override { return Dialect::postgres; }
  Result exec(std::string_view, std::span<const Param>) override { return {}; }
  void exec_script(std::string_view) override {}
  bool healthy() const noexcept override { return healthy_; }
  bool healthy_ = true;
};

struct Factory {
  std::atomic<int> calls{0};
  std::atomic<bool> down{false};
  ConnectionSlots::Factory make() {
    return [this]() -> std::unique_ptr<Connection> {
      ++calls;
      if (down) throw Error(Error::Kind::unavailable, "connection refused");
      return std::make_unique<FakeConnection>();
    };
  }
};

ConnectionSlots::IdleCheck always_alive() {
  return [](Connection&) { return true; };
}

TEST(ConnectionSlots, ReusesIdleConnections) {
  Factory f;
  ConnectionSlots slots("test", 2, f.make(), always_alive(), 250ms);
  slots.prime();
  EXPECT_EQ(f.calls.load(), 1);
  Connection* a = slots.acquire(100ms);
  EXPECT_EQ(slots.in_use(), 1);
  slots.release(a);
  EXPECT_EQ(slots.in_use(), 0);
  EXPECT_EQ(slots.acquire(100ms), a);  // the live one, not a new one
  EXPECT_EQ(f.calls.load(), 1);
  Connection* b = slots.acquire(100ms);  // both busy: a second connection
  EXPECT_NE(a, b);
  EXPECT_EQ(f.calls.load(), 2);
  EXPECT_THROW(slots.acquire(30ms), Error);  // no third slot
  slots.release(a);
  slots.release(b);
}

TEST(ConnectionSlots, WhileDownConnectsAtMostOncePerInterval) {
  Factory f;
  ConnectionSlots slots("test", 4, f.make(), always_alive(), 250ms);
  f.down = true;
  for (int i = 0; i < 50; ++i) {
    try {
      slots.acquire(1000ms);
      FAIL() << "acquired while down";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::unavailable);
      EXPECT_STREQ(e.what(), "connection refused");
    }
  }
  EXPECT_EQ(f.calls.load(), 1);  // the rest failed fast without trying
  EXPECT_EQ(slots.in_use(), 0);
  std::this_thread::sleep_for(300ms);
  f.down = false;
  Connection* c = slots.acquire(100ms);
  EXPECT_EQ(f.calls.load(), 2);
  slots.release(c);
}

TEST(ConnectionSlots, ABrokenConnectionRetiresThoseMadeBeforeIt) {
  Factory f;
  ConnectionSlots slots("test", 3, f.make(), always_alive(), 0ms);
  Connection* a = slots.acquire(100ms);
  Connection* b = slots.acquire(100ms);
  slots.release(b);  // b idle, made before the failure below
  std::this_thread::sleep_for(2ms);
  static_cast<FakeConnection*>(a)->healthy_ = false;
  slots.release(a);  // dropped; b is now suspect
  EXPECT_EQ(f.calls.load(), 2);
  Connection* c = slots.acquire(100ms);
  EXPECT_EQ(f.calls.load(), 3);  // b was replaced rather than handed out
  slots.release(c);
  Connection* d = slots.acquire(100ms);
  EXPECT_EQ(d, c);  // made after the failure: kept
  EXPECT_EQ(f.calls.load(), 3);
  slots.release(d);
}

TEST(ConnectionSlots, IdleCheckFailureReplacesTheConnection) {
  Factory f;
  std::atomic<bool> alive{true};
  ConnectionSlots slots(
      "test", 1, f.make(), [&](Connection&) { return alive.load(); }, 0ms);
  slots.release(slots.acquire(100ms));
  alive = false;
  slots.release(slots.acquire(100ms));
  EXPECT_EQ(f.calls.load(), 2);
}

TEST(ConnectionSlots, WaitersGetReleasedConnections) {
  Factory f;
  ConnectionSlots slots("test", 1, f.make(), always_alive(), 0ms);
  Connection* held = slots.acquire(100ms);
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    slots.release(held);
  });
  const auto start = std::chrono::steady_clock::now();
  Connection* next = slots.acquire(2000ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(next, held);
  t.join();
  slots.release(next);
}

}  // namespace
}  // namespace crema::db
