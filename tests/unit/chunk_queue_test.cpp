// The bounded queue between a streamed response's producer (worker pool) and its HTTP
// session (I/O thread): backpressure, order, cancellation, the end of the stream.
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "net/chunk_queue.hpp"

namespace crema::http {
namespace {

using namespace std::chrono_literals;

TEST(ChunkQueue, KeepsOrderAndEndsWithDone) {
  ChunkQueue q(4);
  int notified = 0;
  q.set_notify([&] { ++notified; });
  EXPECT_TRUE(q.write("a"));
  EXPECT_TRUE(q.write(""));  // dropped, not an end
  EXPECT_TRUE(q.write("b"));
  std::string out;
  EXPECT_EQ(q.pop(out), ChunkQueue::Next::chunk);
  EXPECT_EQ(out, "a");
  EXPECT_EQ(q.pop(out), ChunkQueue::Next::chunk);
  EXPECT_EQ(out, "b");
  EXPECT_EQ(q.pop(out), ChunkQueue::Next::wait);
  q.close(true);
  EXPECT_EQ(q.pop(out), ChunkQueue::Next::done);
  EXPECT_EQ(notified, 3);  // two chunks and the close
}

TEST(ChunkQueue, AFailedProducerIsNotDone) {
  ChunkQueue q(2);
  EXPECT_TRUE(q.write("x"));
  q.close(false);
  std::string out;
  EXPECT_EQ(q.pop(out), ChunkQueue::Next::chunk);  // what was written still goes
  EXPECT_EQ(q.pop(out), ChunkQueue::Next::failed);
}

TEST(ChunkQueue, TheProducerWaitsWhileTheQueueIsFull) {
  ChunkQueue q(2);
  std::atomic<int> written{0};
  std::thread producer([&] {
    for (int i = 0; i < 10; ++i) {
      if (!q.write(std::to_string(i))) return;
      ++written;
    }
    q.close(true);
  });
  // Nobody reads: the producer stops at the bound.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(written.load(), 2);
  EXPECT_EQ(q.size(), 2U);
  // Each chunk taken makes room for one more, in order.
  std::string out;
  std::string all;
  for (;;) {
    auto next = q.pop(out);
    if (next == ChunkQueue::Next::done) break;
    if (next == ChunkQueue::Next::wait) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    EXPECT_LE(q.size(), 2U);
    all += out;
  }
  producer.join();
  EXPECT_EQ(all, "0123456789");
  EXPECT_EQ(written.load(), 10);
}

TEST(ChunkQueue, CancelReleasesABlockedProducer) {
  ChunkQueue q(1);
  std::atomic<bool> stopped{false};
  std::atomic<int> writes{0};
  std::thread producer([&] {
    while (q.write("row\r\n")) ++writes;
    stopped = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(stopped.load());  // blocked on the full queue
  EXPECT_EQ(writes.load(), 1);
  q.cancel();  // the client went away
  producer.join();
  EXPECT_TRUE(stopped.load());
  EXPECT_TRUE(q.cancelled());
  EXPECT_FALSE(q.write("late"));
  EXPECT_EQ(q.size(), 0U);
}

TEST(ChunkQueue, NoNotifyAfterCancel) {
  ChunkQueue q(4);
  int notified = 0;
  q.set_notify([&] { ++notified; });
  q.cancel();
  EXPECT_FALSE(q.write("x"));
  q.close(true);
  EXPECT_EQ(notified, 0);
}

}  // namespace
}  // namespace crema::http
