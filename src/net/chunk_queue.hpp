#pragma once
/// A streamed response body (Transfer-Encoding: chunked) between its producer and the HTTP
/// session: the producer (Response::stream) runs on the worker pool and writes chunks into
/// a bounded queue; the session, on its I/O thread, takes them off and sends them. No Beast
/// here and no asio: the session learns of new chunks through the notify callback.
///
/// Backpressure: write() blocks the producer while `max_chunks` chunks wait unsent (the
/// socket is slow). Cancellation: when the client goes away the session cancels the queue;
/// a blocked or later write() returns false at once and the producer stops (its page reads
/// end with it).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "net/http_types.hpp"

namespace crema::http {

class ChunkQueue final : public ChunkSink {
 public:
  explicit ChunkQueue(std::size_t max_chunks) : max_chunks_(max_chunks == 0 ? 1 : max_chunks) {}

  // ---- the producer's side (any thread) ----
  /// Queues a chunk (an empty one is dropped), waiting while the queue is full. False once
  /// the stream is cancelled: the producer should stop.
  bool write(std::string chunk) override;
  bool cancelled() const override;
  /// The producer is done: `ok` false when it failed (the session then cuts the stream
  /// short, without the final chunk, so the client sees it incomplete).
  void close(bool ok);

  // ---- the session's side ----
  enum class Next { chunk, wait, done, failed };
  /// The next chunk into `out`, or what to do: wait (for notify), done, failed.
  Next pop(std::string& out);
  /// The client is gone (or the server stops): producers waiting in write() return false.
  void cancel();
  /// Called (on the producer's thread, under the queue's lock: it must only post) after
  /// each write() and close(); replaced or cleared with an empty function.
  void set_notify(std::function<void()> notify);

  /// Chunks waiting now (for tests).
  std::size_t size() const;

 private:
  const std::size_t max_chunks_;
  mutable std::mutex mutex_;
  std::condition_variable room_;
  std::deque<std::string> chunks_;
  std::function<void()> notify_;
  bool cancelled_ = false;
  bool closed_ = false;
  bool ok_ = true;
};

}  // namespace crema::http
