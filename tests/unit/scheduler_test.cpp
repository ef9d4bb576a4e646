// The periodic scheduler: tasks run at start, then every period (or at the pace they set); a
// throwing task is logged and keeps its schedule; run_soon() runs one early; stop() joins
// promptly.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "jobs/scheduler.hpp"

namespace crema {
namespace {

TEST(Scheduler, RunsEachTaskAtStartAndThenPeriodically) {
  std::atomic<int> fast{0}, slow{0}, throwing{0};
  jobs::Scheduler s;
  s.add("fast", std::chrono::milliseconds(20), [&] { ++fast; });
  s.add("slow", std::chrono::hours(1), [&] { ++slow; });
  s.add("throws", std::chrono::milliseconds(20), [&] {
    ++throwing;
    throw std::runtime_error("boom");
  });
  s.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((fast < 5 || throwing < 5) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto started = std::chrono::steady_clock::now();
  s.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_GE(fast.load(), 5);
  EXPECT_GE(throwing.load(), 5);  // a throw does not stop its schedule
  EXPECT_EQ(slow.load(), 1);      // once at start, not again within the hour
  const int after = fast.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(fast.load(), after);  // nothing runs once stopped
}

TEST(Scheduler, RunAllNowRunsEveryTaskOnce) {
  int a = 0, b = 0;
  jobs::Scheduler s;
  s.add("a", std::chrono::hours(1), [&] { ++a; });
  s.add("b", std::chrono::hours(1), [&] { ++b; });
  s.run_all_now();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
}

TEST(Scheduler, RunSoonRunsATaskBeforeItsPeriodIsOver) {
  std::atomic<int> runs{0};
  jobs::Scheduler s;
  s.add("other", std::chrono::hours(1), [] {});
  const auto id = s.add("kicked", std::chrono::hours(1), [&] { ++runs; });
  s.start();
  const auto wait_for = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (runs < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  wait_for(1);  // at start
  EXPECT_EQ(runs.load(), 1);
  s.run_soon(id);
  wait_for(2);
  EXPECT_EQ(runs.load(), 2);
  s.run_soon(id);
  wait_for(3);
  s.stop();
  EXPECT_EQ(runs.load(), 3);
}

TEST(Scheduler, APacedTaskRunsAgainAfterTheWaitItReturns) {
  std::atomic<int> runs{0}, thrown{0};
  jobs::Scheduler s;
  // Soon twice, then not within the hour.
  s.add_paced(
      "paced",
      [&] {
        ++runs;
        return runs < 3 ? std::chrono::milliseconds(10) : std::chrono::milliseconds(3'600'000);
      },
      std::chrono::hours(1));
  // A throw: again after on_throw.
  s.add_paced(
      "throws",
      [&]() -> std::chrono::milliseconds {
        ++thrown;
        throw std::runtime_error("boom");
      },
      std::chrono::milliseconds(10));
  s.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((runs < 3 || thrown < 3) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.stop();
  EXPECT_EQ(runs.load(), 3);
  EXPECT_GE(thrown.load(), 3);
}

}  // namespace
}  // namespace crema
